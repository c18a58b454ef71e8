"""Demo data of single-disease management (a step of ``seed_demo``).

The demo platform administrator defines three registries through the real service —
acute ST-elevation myocardial infarction, heart failure and acute ischaemic stroke, with
indicators after the national single-disease quality measures — then staff of the demo
hospital and of three other general hospitals report cases of their (demo) patients, and
each hospital enters its eligible discharges per month. The registries are looked up by
code and cases are seeded only for a registry without any: a second run creates nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_HOSPITAL_NAME, DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Hospital
from yilian.patients.demo import demo_national_id
from yilian.patients.models import Patient
from yilian.patients.services import register_patient

from .models import Case, Registry
from .services import CaseData, RegistryData, create_case, save_registry, set_discharge_count

DIED = "死亡"
DISCHARGE_STATUS = {
    "key": "discharge_status",
    "label": "离院方式",
    "type": "choice",
    "options": ["医嘱离院", "转院", "非医嘱离院", DIED],
    "required": True,
}

STEMI = RegistryData(
    code="stemi",
    name="急性 ST 段抬高型心肌梗死（STEMI）",
    description="国家单病种质量控制：急性 ST 段抬高型心肌梗死。",
    icd_patterns=["I21.*"],
    fields=[
        {"key": "arrival_at", "label": "到达医院时间", "type": "datetime", "required": True},
        {"key": "aspirin_given", "label": "是否给予阿司匹林", "type": "yes_no", "required": True},
        {"key": "aspirin_at", "label": "首剂阿司匹林时间", "type": "datetime"},
        {
            "key": "reperfusion",
            "label": "再灌注治疗",
            "type": "choice",
            "options": ["直接 PCI", "溶栓", "未行再灌注"],
            "required": True,
        },
        {"key": "balloon_at", "label": "首次球囊扩张时间", "type": "datetime",
         "help": "直接 PCI 时填写。"},
        {"key": "lvef", "label": "左心室射血分数（%）", "type": "number", "min": 5, "max": 90},
        {"key": "beta_blocker", "label": "出院带 β 受体阻滞剂", "type": "yes_no", "required": True},
        {"key": "beta_blocker_contraindicated", "label": "β 受体阻滞剂禁忌证", "type": "yes_no"},
        {"key": "statin", "label": "出院带他汀类药物", "type": "yes_no", "required": True},
        DISCHARGE_STATUS,
    ],
    derived=[
        {"key": "door_to_balloon_minutes", "label": "D2B 时间", "from": "arrival_at",
         "to": "balloon_at", "unit": "minutes"},
        {"key": "arrival_to_aspirin_hours", "label": "到院至阿司匹林", "from": "arrival_at",
         "to": "aspirin_at", "unit": "hours"},
    ],
    indicators=[
        {
            "code": "aspirin_24h",
            "name": "到院 24 小时内使用阿司匹林",
            "denominator": {"all": []},
            "numerator": {"all": [
                {"field": "aspirin_given", "op": "eq", "value": True},
                {"field": "arrival_to_aspirin_hours", "op": "le", "value": 24},
            ]},
            "target": 95,
        },
        {
            "code": "d2b_90",
            "name": "直接 PCI 患者 D2B ≤ 90 分钟",
            "denominator": {"field": "reperfusion", "op": "eq", "value": "直接 PCI"},
            "numerator": {"field": "door_to_balloon_minutes", "op": "le", "value": 90},
            "target": 75,
        },
        {
            "code": "beta_blocker",
            "name": "出院使用 β 受体阻滞剂",
            "denominator": {"field": "discharge_status", "op": "ne", "value": DIED},
            "exclusions": {"field": "beta_blocker_contraindicated", "op": "eq", "value": True},
            "numerator": {"field": "beta_blocker", "op": "eq", "value": True},
            "target": 85,
        },
        {
            "code": "statin",
            "name": "出院使用他汀类药物",
            "denominator": {"field": "discharge_status", "op": "ne", "value": DIED},
            "numerator": {"field": "statin", "op": "eq", "value": True},
            "target": 90,
        },
    ],
)  # fmt: skip

HEART_FAILURE = RegistryData(
    code="heart-failure",
    name="心力衰竭",
    description="国家单病种质量控制：心力衰竭。",
    icd_patterns=["I50.*"],
    fields=[
        {"key": "lvef_assessed", "label": "住院期间评估左心室射血分数", "type": "yes_no",
         "required": True},
        {"key": "lvef", "label": "左心室射血分数（%）", "type": "number", "min": 5, "max": 90},
        {"key": "ras_inhibitor", "label": "出院带 ACEI/ARB/ARNI", "type": "yes_no",
         "required": True},
        {"key": "ras_contraindicated", "label": "ACEI/ARB/ARNI 禁忌证", "type": "yes_no"},
        {"key": "nyha_class", "label": "NYHA 心功能分级", "type": "choice",
         "options": ["I", "II", "III", "IV"]},
        DISCHARGE_STATUS,
    ],
    indicators=[
        {
            "code": "lvef_assessed",
            "name": "评估左心室射血分数",
            "numerator": {"field": "lvef_assessed", "op": "eq", "value": True},
            "target": 95,
        },
        {
            "code": "ras_hfref",
            "name": "LVEF < 40% 患者出院使用 ACEI/ARB/ARNI",
            "denominator": {"all": [
                {"field": "lvef", "op": "lt", "value": 40},
                {"field": "discharge_status", "op": "ne", "value": DIED},
            ]},
            "exclusions": {"field": "ras_contraindicated", "op": "eq", "value": True},
            "numerator": {"field": "ras_inhibitor", "op": "eq", "value": True},
            "target": 85,
        },
    ],
)  # fmt: skip

STROKE = RegistryData(
    code="ischaemic-stroke",
    name="急性缺血性脑卒中",
    description="国家单病种质量控制：脑梗死（首次住院）。",
    icd_patterns=["I63.*"],
    fields=[
        {"key": "arrival_at", "label": "到达医院时间", "type": "datetime", "required": True},
        {"key": "nihss", "label": "入院 NIHSS 评分", "type": "number", "min": 0, "max": 42},
        {"key": "thrombolysis", "label": "静脉溶栓", "type": "yes_no", "required": True},
        {"key": "needle_at", "label": "溶栓给药时间", "type": "datetime",
         "help": "静脉溶栓时填写。"},
        {"key": "dysphagia_screened", "label": "进食前吞咽功能筛查", "type": "yes_no",
         "required": True},
        {"key": "antithrombotic", "label": "出院使用抗栓药物", "type": "yes_no",
         "required": True},
        DISCHARGE_STATUS,
    ],
    derived=[
        {"key": "door_to_needle_minutes", "label": "DNT 时间", "from": "arrival_at",
         "to": "needle_at", "unit": "minutes"},
    ],
    indicators=[
        {
            "code": "dnt_60",
            "name": "静脉溶栓患者 DNT ≤ 60 分钟",
            "denominator": {"field": "thrombolysis", "op": "eq", "value": True},
            "numerator": {"field": "door_to_needle_minutes", "op": "le", "value": 60},
            "target": 60,
        },
        {
            "code": "dysphagia",
            "name": "吞咽功能筛查",
            "numerator": {"field": "dysphagia_screened", "op": "eq", "value": True},
            "target": 90,
        },
        {
            "code": "antithrombotic",
            "name": "出院使用抗栓药物",
            "denominator": {"field": "discharge_status", "op": "ne", "value": DIED},
            "numerator": {"field": "antithrombotic", "op": "eq", "value": True},
            "target": 90,
        },
    ],
)  # fmt: skip

DEMO_REGISTRIES: tuple[RegistryData, ...] = (STEMI, HEART_FAILURE, STROKE)
DIAGNOSES = {"stemi": ("I21.0", "I21.1", "I21.2"), "heart-failure": ("I50.0", "I50.1", "I50.9"),
             "ischaemic-stroke": ("I63.3", "I63.4", "I63.9")}  # fmt: skip
HOSPITALS_WITH_CASES = 4
CASES_PER_REGISTRY = 8
PATIENTS_PER_HOSPITAL = 12
# Demo patients registered for the registries: "（演示）" marks them as demo data.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭"
GIVEN = ("建国", "秀英", "桂兰", "志强", "玉梅", "国华", "淑珍", "德明")


def _platform_admin() -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.PLATFORM_ADMIN)
    return User.objects.select_related("hospital").filter(phone=phone).first()


def _reporting_hospitals() -> list[tuple[Hospital, User]]:
    """The demo hospital, then other active general hospitals, each with a staff member."""
    found: list[tuple[Hospital, User]] = []
    candidates = Hospital.objects.filter(
        status=Hospital.Status.ACTIVE, category=Hospital.Category.GENERAL, is_lead=False
    ).order_by("pk")
    demo = candidates.filter(name=DEMO_HOSPITAL_NAME)
    for hospital in [*demo, *candidates.exclude(name=DEMO_HOSPITAL_NAME)[:20]]:
        staff = (
            User.objects.with_role(Role.STAFF)
            .filter(hospital=hospital, status=User.Status.ACTIVE)
            .order_by("pk")
            .first()
        )
        if staff is not None:
            found.append((hospital, staff))
        if len(found) == HOSPITALS_WITH_CASES:
            break
    return found


def _patients(hospital: Hospital, staff: User, rng: random.Random, n: int) -> list[Patient]:
    """``n`` demo patients of ``hospital`` (the demo patients first, then new ones)."""
    patients = list(
        Patient.objects.filter(
            hospital=hospital, medical_record_number__startswith="DEMO-"
        ).order_by("medical_record_number")
    )
    region = hospital.division_id or "330122"
    k = 0
    while len(patients) < n:
        k += 1
        mrn = f"DEMO-R{k:03d}"
        if any(p.medical_record_number == mrn for p in patients):
            continue
        sex = "male" if k % 2 else "female"
        born = date(1940 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        patients.append(
            register_patient(
                actor=staff,
                name=f"{SURNAMES[k % len(SURNAMES)]}{GIVEN[k % len(GIVEN)]}（演示）",
                sex=sex,
                birth_date=born,
                national_id=demo_national_id(region, born, 100 + k, sex),
                medical_record_number=mrn,
            )
        )
    return patients


def _at(day: date, hour: int, minute: int) -> str:
    return timezone.make_aware(datetime.combine(day, time(hour, minute))).isoformat()


def _answers(code: str, admitted: date, rng: random.Random, quality: float) -> dict[str, Any]:
    """Plausible answers; ``quality`` (0–1) is the hospital's share of good practice."""

    def good(bonus: float = 0) -> bool:
        return rng.random() < min(quality + bonus, 0.99)

    hour, minute = 6 + rng.randrange(14), rng.randrange(60)
    arrival = datetime.combine(admitted, time(hour, minute))

    def after(minutes: int) -> str:
        return timezone.make_aware(arrival + timedelta(minutes=minutes)).isoformat()

    died = rng.random() < 0.05
    status = DIED if died else ("医嘱离院" if rng.random() < 0.9 else "转院")
    if code == "stemi":
        pci = rng.random() < 0.7
        aspirin = good(0.1)
        return {
            "arrival_at": after(0),
            "aspirin_given": aspirin,
            **({"aspirin_at": after(rng.randrange(10, 90 if good() else 2000))} if aspirin else {}),
            "reperfusion": "直接 PCI" if pci else rng.choice(["溶栓", "未行再灌注"]),
            **({"balloon_at": after(rng.randrange(45, 85) if good() else rng.randrange(95, 180))}
               if pci else {}),
            "lvef": rng.randrange(30, 65),
            "beta_blocker": good(),
            **({"beta_blocker_contraindicated": True} if rng.random() < 0.1 else {}),
            "statin": good(0.05),
            "discharge_status": status,
        }  # fmt: skip
    if code == "heart-failure":
        assessed = good(0.05)
        return {
            "lvef_assessed": assessed,
            **({"lvef": rng.randrange(20, 60)} if assessed else {}),
            "ras_inhibitor": good(),
            **({"ras_contraindicated": True} if rng.random() < 0.1 else {}),
            "nyha_class": rng.choice(["II", "III", "IV"]),
            "discharge_status": status,
        }
    lysed = rng.random() < 0.4
    return {
        "arrival_at": after(0),
        "nihss": rng.randrange(2, 20),
        "thrombolysis": lysed,
        **({"needle_at": after(rng.randrange(30, 58) if good() else rng.randrange(65, 120))}
           if lysed else {}),
        "dysphagia_screened": good(),
        "antithrombotic": good(0.05),
        "discharge_status": status,
    }  # fmt: skip


def seed_registries(ctx: SeedContext) -> int:
    admin = _platform_admin()
    if admin is None or admin.hospital is None:
        return 0
    created = 0
    registries: list[Registry] = []
    for data in DEMO_REGISTRIES:
        registry = Registry.objects.filter(
            alliance_id=admin.hospital.alliance_id, code=data.code
        ).first()
        if registry is None:
            registry = save_registry(actor=admin, data=data)
            created += 1
        registries.append(registry)
    rng = random.Random(2024)  # its own stream: the steps after this one stay unchanged
    today = timezone.localdate()
    for n, (hospital, staff) in enumerate(_reporting_hospitals()):
        patients = _patients(hospital, staff, rng, PATIENTS_PER_HOSPITAL)
        quality = (0.92, 0.8, 0.7, 0.6)[n % 4]
        for r, registry in enumerate(registries):
            if Case.objects.filter(registry=registry, hospital=hospital).exists():
                continue
            months: dict[date, int] = {}
            for k in range(CASES_PER_REGISTRY):
                patient = patients[(k + 4 * r) % len(patients)]
                discharged = today - timedelta(days=3 + k * 17 + rng.randrange(10))
                admitted = discharged - timedelta(days=3 + rng.randrange(10))
                create_case(
                    actor=staff,
                    registry=registry,
                    data=CaseData(
                        patient=patient,
                        diagnosis_code=rng.choice(DIAGNOSES[registry.code]),
                        admission_date=admitted,
                        # The last case of each hospital is still a draft awaiting discharge.
                        discharge_date=discharged if k else None,
                        answers=_answers(registry.code, admitted, rng, quality),
                    ),
                    submit=bool(k),
                )
                created += 1
                if k:
                    first = discharged.replace(day=1)
                    months[first] = months.get(first, 0) + 1
            for month, reported in months.items():
                # Hospitals report more eligible discharges than cases: coverage below 100%.
                extra = (0, 1, 1, 2)[n % 4]
                set_discharge_count(
                    actor=staff, registry=registry, month=month, count=reported + extra
                )
                created += 1
    return created


register_step("registries", seed_registries, after="patients")
