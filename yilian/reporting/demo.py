"""Demo data of data reporting (a step of ``seed_demo``): the demo platform admin defines
the alliance's monthly medical-quality report for the county and city hospitals — with
the average length of stay and the bed occupancy rate computed, and hospital-acquired
infections checked against discharges — with this year's and last year's periods; staff
of a few hospitals report the last three months in various states (accepted, returned
with a comment, submitted, draft). Made through the real services; a second run creates
nothing."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_HOSPITAL_NAME, DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Hospital

from .models import Dataset, Period
from .selectors import assigned_hospitals
from .services import (
    DatasetData,
    accept_report,
    generate_periods,
    return_report,
    save_dataset,
    save_report,
)

CODE = "quality_monthly"
INDICATORS: tuple[dict[str, Any], ...] = (
    {"code": "visits", "label": "门诊人次", "type": "number", "unit": "人次", "required": True,
     "min_value": "0", "help": "本月门急诊总诊疗人次"},
    {"code": "discharges", "label": "出院人数", "type": "number", "unit": "人", "required": True,
     "min_value": "0"},
    {"code": "bed_days", "label": "实际占用总床日数", "type": "number", "unit": "床日",
     "required": True, "min_value": "0"},
    {"code": "beds", "label": "实际开放床位数", "type": "number", "unit": "张", "required": True,
     "min_value": "1"},
    {"code": "avg_stay", "label": "平均住院日", "type": "computed", "unit": "天",
     "expression": "bed_days / discharges", "decimals": 1},
    {"code": "occupancy", "label": "床位使用率", "type": "computed", "unit": "%",
     "expression": "bed_days * 100 / (beds * 30)", "decimals": 1, "max_value": "200",
     "help": "按每月 30 天估算"},
    {"code": "infections", "label": "院内感染例数", "type": "number", "unit": "例",
     "required": True, "min_value": "0"},
    {"code": "satisfaction", "label": "患者满意度", "type": "percentage", "unit": "%",
     "required": False},
    {"code": "level", "label": "医疗质量自评等级", "type": "choice",
     "choices": ["优", "良", "中", "差"], "required": False},
    {"code": "remarks", "label": "情况说明", "type": "text", "required": False},
)  # fmt: skip
RULES: tuple[dict[str, str], ...] = (
    {"condition": "infections <= discharges", "message": "院内感染例数不能超过出院人数"},
    {"condition": "bed_days <= beds * 31", "message": "实际占用总床日数不能超过床位数 × 当月天数",
     "field": "bed_days"},
)  # fmt: skip


def _login(role: str) -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == role)
    return User.objects.select_related("hospital").filter(phone=phone).first()


def _staff_of(hospital: Hospital) -> User | None:
    return (
        User.objects.active()
        .filter(hospital=hospital, role_assignments__role=Role.STAFF)
        .order_by("pk")
        .first()
    )


def _values(n: int) -> dict[str, str]:
    """Plausible figures of a county or city hospital (varying by ``n``)."""
    beds = 180 + 40 * (n % 5)
    discharges = 420 + 35 * (n % 7)
    return {
        "visits": str(9000 + 850 * (n % 9)),
        "discharges": str(discharges),
        "bed_days": str(int(beds * 30 * (0.78 + 0.03 * (n % 6)))),
        "beds": str(beds),
        "infections": str(2 + n % 4),
        "satisfaction": str(92 + n % 6),
        "level": ["优", "良", "良", "中"][n % 4],
        "remarks": "",
    }


def seed_data_reporting(ctx: SeedContext) -> int:
    admin, manager = _login(Role.PLATFORM_ADMIN), _login(Role.MANAGER)
    if admin is None or manager is None or admin.hospital is None:
        return 0
    if Dataset.objects.filter(alliance_id=admin.hospital.alliance_id, code=CODE).exists():
        return 0
    dataset = save_dataset(
        actor=admin,
        data=DatasetData(
            code=CODE,
            name="医疗质量月报",
            description="成员医院每月上报门诊、住院与院感核心指标，次月 10 日前完成。",
            tiers=[Hospital.Tier.COUNTY, Hospital.Tier.CITY],
        ),
        indicators=INDICATORS,
        rules=RULES,
    )
    today = timezone.localdate()
    created = 1
    for year in (today.year - 1, today.year):
        created += generate_periods(dataset, year, actor=admin)
    this_month = today.replace(day=1)
    recent: list[Period] = list(dataset.periods.filter(start__lt=this_month).order_by("-start")[:3])
    assigned = assigned_hospitals(dataset)
    demo_first = [
        *assigned.filter(name=DEMO_HOSPITAL_NAME),
        *assigned.exclude(name=DEMO_HOSPITAL_NAME)[:11],
    ]
    for age, period in enumerate(reversed(recent)):  # oldest first
        for n, hospital in enumerate(demo_first):
            staff = _staff_of(hospital)
            if staff is None:
                continue
            is_demo = hospital.name == DEMO_HOSPITAL_NAME
            newest = age == len(recent) - 1
            if newest and is_demo:
                # The demo staff's own report of last month: a draft to finish.
                save_report(
                    actor=staff,
                    period=period,
                    raw={**_values(n + age), "satisfaction": "", "level": ""},
                    expected_version=0,
                    submit=False,
                )
                created += 1
                continue
            if n % 4 == 3:
                continue  # a hospital that has not reported (overdue on the rates page)
            report = save_report(
                actor=staff, period=period, raw=_values(n + age), expected_version=0, submit=True
            )
            created += 1
            if newest and n % 4 == 1:
                return_report(
                    report,
                    actor=manager,
                    comments={"infections": "院感例数较上月明显增加，请核对院感科登记后重新上报"},
                    expected_version=report.version,
                )
            elif not newest or n % 4 == 0:
                accept_report(report, actor=manager, expected_version=report.version)
    return created


register_step("reporting", seed_data_reporting)
