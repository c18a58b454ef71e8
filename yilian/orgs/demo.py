"""Demo data for the alliance: ``python manage.py seed_demo --scale small|paper``.

What it builds
--------------
One alliance (华夏专科医联体) with member hospitals in all 31 provincial-level divisions
(``paper``: exactly 1,021 active members, tiers province/city/county = 92/541/388), their
departments, the lead hospital's execution teams and cloud rooms, and people for every
role in :mod:`yilian.accounts.roles` — including a fixed set of demo logins
(:data:`DEMO_LOGINS`, password :data:`DEMO_PASSWORD`) and two pending staff registrations
(:data:`PENDING_REGISTRATIONS`) for the demo hospital administrator to review.

Guarantees
----------
* Deterministic: the whole ``paper`` plan is drawn from one ``random.Random(2023)``
  (:data:`SEED`), whatever the scale asked for.
* ``small`` is a prefix of ``paper``: hospital *i* has the same name, licence code, tier
  and division at both scales; ``small`` only stops after the first
  ``SCALES["small"]`` hospitals (still ≥10 provinces, every tier and category).
* Idempotent: every row has a natural key (licence code, phone, hospital + name, …) and a
  step only creates what is missing, so a second run creates nothing. Running ``paper``
  after ``small`` adds the rest.

Extension point
---------------
Seeding is the ordered list :data:`STEPS` of :class:`SeedStep`. A step is a function
``(ctx: SeedContext) -> int`` that creates what is missing and returns how many rows it
created (0 on a second run). Another app adds its demo data by shipping its own
``demo.py`` module that registers steps at import time::

    # yilian/consultations/demo.py
    from yilian.orgs.demo import SeedContext, register_step

    def seed_consultations(ctx: SeedContext) -> int:
        lead = ctx.lead_hospital()
        ...  # use ctx.rng for randomness, ctx.password_hash for new users
        return created

    register_step("consultations", seed_consultations, after="rooms")

:func:`run_seed` imports every installed app's ``demo`` module (Django's
``autodiscover_modules``) before it runs the steps, all inside one transaction. Steps
must be idempotent (look rows up by a natural key) and must not depend on the scale for
objects that also exist at the smaller scale. ``ctx.rng`` continues the plan's random
stream, so it is deterministic as long as the steps before it are unchanged.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from yilian.accounts.models import RoleAssignment, User
from yilian.accounts.roles import Role

from .models import Alliance, Department, Division, Hospital, Room, Team, TeamService
from .models import Specialty as S

SEED = 2023
DEMO_PASSWORD = "Yilian@2026"  # noqa: S105 — the documented demo password, nothing secret
SCALES: dict[str, int] = {"small": 60, "paper": 1021}
TIER_COUNTS: dict[str, int] = {"province": 92, "city": 541, "county": 388}
STAFF_PER_HOSPITAL = 3
BATCH_SIZE = 500
DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "divisions.json"

ALLIANCE_NAME = "华夏专科医联体"
ALLIANCE_SHORT_NAME = "医联"
ALLIANCE_DESCRIPTION = (
    "以省级专科医院为牵头单位，覆盖全国 31 个省级行政区的省、市、县三级医疗机构，"
    "开展远程会诊、远程门诊、双向转诊、教学培训与质量控制等协同业务。"
)
LEAD_PROVINCE = "330000"
LEAD_HOSPITAL_NAME = "浙江省肿瘤医院"
DEMO_COUNTY = "330122"
DEMO_HOSPITAL_NAME = "桐庐县人民医院"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    phone: str
    name: str
    hospital: str  # hospital name, "" for none


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.PLATFORM_ADMIN, "13800000001", "周明远", LEAD_HOSPITAL_NAME),
    DemoLogin(Role.SECURITY_ADMIN, "13800000002", "吴志强", LEAD_HOSPITAL_NAME),
    DemoLogin(Role.AUDITOR, "13800000003", "郑晓燕", LEAD_HOSPITAL_NAME),
    DemoLogin(Role.MANAGER, "13800000004", "陈思远", LEAD_HOSPITAL_NAME),
    DemoLogin(Role.EXPERT, "13800000005", "林国华", LEAD_HOSPITAL_NAME),
    DemoLogin(Role.HOSPITAL_ADMIN, "13800000006", "张丽华", DEMO_HOSPITAL_NAME),
    DemoLogin(Role.STAFF, "13800000007", "李明", DEMO_HOSPITAL_NAME),
    DemoLogin(Role.ROOM_ADMIN, "13800000008", "赵磊", LEAD_HOSPITAL_NAME),
    DemoLogin(Role.PATIENT, "13800000009", "刘芳", ""),
)

# Pending staff registrations at the demo hospital (status pending, role staff).
PENDING_REGISTRATIONS: tuple[tuple[str, str], ...] = (
    ("13800000010", "孙悦"),
    ("13800000011", "何俊杰"),
)

_DEMO_TITLES: dict[str, str] = {
    Role.PLATFORM_ADMIN: User.Title.ADMINISTRATOR,
    Role.SECURITY_ADMIN: User.Title.ADMINISTRATOR,
    Role.AUDITOR: User.Title.ADMINISTRATOR,
    Role.MANAGER: User.Title.ADMINISTRATOR,
    Role.EXPERT: User.Title.CHIEF_PHYSICIAN,
    Role.HOSPITAL_ADMIN: User.Title.ADMINISTRATOR,
    Role.STAFF: User.Title.ATTENDING_PHYSICIAN,
    Role.ROOM_ADMIN: User.Title.TECHNICIAN,
    Role.PATIENT: User.Title.NONE,
}

# --- Names ------------------------------------------------------------------
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力兰鹏斌宇浩凯晨欣怡佳"
    "琳雪婷倩颖慧晶博健俊志海峰波云亮成龙飞鑫宁燕梅琴丹蕾思雨子涵轩泽睿铭嘉悦诗晓春新国立"
    "林彬婕瑶璐楠旭阳昊天哲逸"
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182",
    "183", "185", "186", "187", "188", "189", "198", "199",
)  # fmt: skip
ROADS = (
    "人民路", "解放路", "中山路", "建设路", "健康路", "文化路", "新华路", "长江路", "和平路",
    "胜利路", "光明路", "东风路", "环城路", "育才路", "民主路",
)  # fmt: skip
STREETS = ("城东", "城西", "城南", "城北", "新华", "东风", "解放", "人民")

# --- Hospital templates -----------------------------------------------------
GENERAL = Hospital.Category.GENERAL
SPECIALIST = Hospital.Category.SPECIALIST
MATERNAL_CHILD = Hospital.Category.MATERNAL_CHILD
COMMUNITY = Hospital.Category.COMMUNITY


@dataclass(frozen=True)
class Template:
    """How a hospital is named after its division: ``{division}{suffix}``."""

    suffix: str
    category: str
    profile: str  # key of DEPARTMENT_PROFILES
    weight: int
    main: bool = False  # the division's main general hospital (at most one)


def _community(streets: int) -> list[Template]:
    return [
        Template(f"{street}街道社区卫生服务中心", COMMUNITY, "community", 1)
        for street in STREETS[:streets]
    ]


PROVINCE_TEMPLATES: tuple[Template, ...] = (
    Template("人民医院", GENERAL, "general", 1, main=True),
    Template("中医院", GENERAL, "tcm", 4),
    Template("肿瘤医院", SPECIALIST, "oncology", 3),
    Template("妇幼保健院", MATERNAL_CHILD, "mch", 3),
    Template("儿童医院", MATERNAL_CHILD, "children", 2),
    Template("第二人民医院", GENERAL, "general", 2),
    Template("中西医结合医院", GENERAL, "tcm", 1),
    Template("精神卫生中心", SPECIALIST, "psychiatric", 1),
    Template("传染病医院", SPECIALIST, "infectious", 1),
    Template("胸科医院", SPECIALIST, "chest", 1),
    Template("康复医院", SPECIALIST, "rehab", 1),
    Template("眼科医院", SPECIALIST, "eye", 1),
)
CITY_TEMPLATES: tuple[Template, ...] = (
    Template("第一人民医院", GENERAL, "general", 5, main=True),
    Template("中心医院", GENERAL, "general", 3, main=True),
    Template("人民医院", GENERAL, "general", 3, main=True),
    Template("第二人民医院", GENERAL, "general", 4),
    Template("第三人民医院", GENERAL, "general", 2),
    Template("第四人民医院", GENERAL, "general", 1),
    Template("中医院", GENERAL, "tcm", 5),
    Template("中西医结合医院", GENERAL, "tcm", 1),
    Template("妇幼保健院", MATERNAL_CHILD, "mch", 5),
    Template("儿童医院", MATERNAL_CHILD, "children", 1),
    Template("肿瘤医院", SPECIALIST, "oncology", 1),
    Template("精神卫生中心", SPECIALIST, "psychiatric", 2),
    Template("传染病医院", SPECIALIST, "infectious", 1),
    Template("眼科医院", SPECIALIST, "eye", 1),
    Template("康复医院", SPECIALIST, "rehab", 1),
    Template("骨伤科医院", SPECIALIST, "orthopaedic", 1),
)
# A district of a municipality stands at city level (北京市朝阳区…).
MUNICIPAL_DISTRICT_TEMPLATES: tuple[Template, ...] = (
    Template("中心医院", GENERAL, "general", 3, main=True),
    Template("人民医院", GENERAL, "general", 3, main=True),
    Template("中医医院", GENERAL, "tcm", 3),
    Template("妇幼保健院", MATERNAL_CHILD, "mch", 4),
    Template("精神卫生中心", SPECIALIST, "psychiatric", 1),
    Template("康复医院", SPECIALIST, "rehab", 1),
    *_community(3),
)
COUNTY_TEMPLATES: tuple[Template, ...] = (
    Template("人民医院", GENERAL, "general", 6, main=True),
    Template("第一人民医院", GENERAL, "general", 2, main=True),
    Template("第二人民医院", GENERAL, "general", 1),
    Template("中医院", GENERAL, "tcm", 4),
    Template("妇幼保健院", MATERNAL_CHILD, "mch", 3),
    *_community(5),
)
# Ethnic-medicine hospitals of the autonomous regions (city and county level).
ETHNIC_TEMPLATES: dict[str, Template] = {
    "15": Template("蒙医医院", GENERAL, "tcm", 2),
    "54": Template("藏医院", GENERAL, "tcm", 2),
    "63": Template("藏医院", GENERAL, "tcm", 2),
    "65": Template("维吾尔医医院", GENERAL, "tcm", 2),
}
# Divisions with their own (short) list: 三沙 has one hospital, its districts none.
SPECIAL_TEMPLATES: dict[str, tuple[Template, ...]] = {
    "460300": (Template("人民医院", GENERAL, "general", 1, main=True),),
    "460302": (),
    "460303": (),
}
LICENCE_KIND = {"general": "11", "tcm": "12", "children": "13", "mch": "16", "community": "21"}

# --- Departments by profile: (core, optional extras); 5–8 per hospital ---------
Dept = tuple[str, str]  # (name, specialty)
_ADMIN: tuple[Dept, ...] = (("护理部", S.NURSING), ("医务科", S.ADMINISTRATION))
DEPARTMENT_PROFILES: dict[str, tuple[tuple[Dept, ...], tuple[Dept, ...]]] = {
    "general": (
        (
            ("心血管内科", S.CARDIOLOGY),
            ("呼吸与危重症医学科", S.RESPIRATORY),
            ("普外科", S.GENERAL_SURGERY),
            ("急诊科", S.EMERGENCY),
        ),
        (
            ("消化内科", S.GASTROENTEROLOGY),
            ("神经内科", S.NEUROLOGY),
            ("内分泌科", S.ENDOCRINOLOGY),
            ("肾内科", S.NEPHROLOGY),
            ("骨科", S.ORTHOPAEDICS),
            ("神经外科", S.NEUROSURGERY),
            ("泌尿外科", S.UROLOGY),
            ("妇产科", S.OBSTETRICS_GYNAECOLOGY),
            ("儿科", S.PAEDIATRICS),
            ("眼科", S.OPHTHALMOLOGY),
            ("耳鼻咽喉科", S.ENT),
            ("皮肤科", S.DERMATOLOGY),
            ("重症医学科", S.CRITICAL_CARE),
            ("麻醉科", S.ANAESTHESIOLOGY),
            ("医学影像科", S.RADIOLOGY),
            ("检验科", S.LABORATORY),
            ("病理科", S.PATHOLOGY),
            ("康复医学科", S.REHABILITATION),
            ("肿瘤科", S.ONCOLOGY),
            ("感染性疾病科", S.INFECTIOUS_DISEASES),
            *_ADMIN,
        ),
    ),
    "tcm": (
        (("中医内科", S.TCM), ("针灸推拿科", S.TCM), ("急诊科", S.EMERGENCY)),
        (
            ("脾胃病科", S.GASTROENTEROLOGY),
            ("肺病科", S.RESPIRATORY),
            ("脑病科", S.NEUROLOGY),
            ("心血管病科", S.CARDIOLOGY),
            ("肾病科", S.NEPHROLOGY),
            ("骨伤科", S.ORTHOPAEDICS),
            ("中医妇科", S.OBSTETRICS_GYNAECOLOGY),
            ("中医儿科", S.PAEDIATRICS),
            ("治未病科", S.TCM),
            ("康复医学科", S.REHABILITATION),
            ("医学影像科", S.RADIOLOGY),
            ("检验科", S.LABORATORY),
            *_ADMIN,
        ),
    ),
    "oncology": (
        (("肿瘤内科", S.ONCOLOGY), ("放射治疗科", S.ONCOLOGY), ("病理科", S.PATHOLOGY)),
        (
            ("胸部肿瘤外科", S.CARDIOTHORACIC),
            ("胃肠肿瘤外科", S.GENERAL_SURGERY),
            ("乳腺外科", S.GENERAL_SURGERY),
            ("妇科肿瘤科", S.OBSTETRICS_GYNAECOLOGY),
            ("头颈肿瘤外科", S.ENT),
            ("血液肿瘤科", S.HAEMATOLOGY),
            ("医学影像科", S.RADIOLOGY),
            ("检验科", S.LABORATORY),
            ("麻醉科", S.ANAESTHESIOLOGY),
            ("重症医学科", S.CRITICAL_CARE),
            ("中西医结合科", S.TCM),
            *_ADMIN,
        ),
    ),
    "psychiatric": (
        (("普通精神科", S.PSYCHIATRY), ("老年精神科", S.PSYCHIATRY), ("临床心理科", S.PSYCHIATRY)),
        (
            ("儿童青少年精神科", S.PSYCHIATRY),
            ("物质依赖科", S.PSYCHIATRY),
            ("神经内科", S.NEUROLOGY),
            ("康复医学科", S.REHABILITATION),
            ("检验科", S.LABORATORY),
            ("医学影像科", S.RADIOLOGY),
            *_ADMIN,
        ),
    ),
    "infectious": (
        (("感染一科", S.INFECTIOUS_DISEASES), ("感染二科", S.INFECTIOUS_DISEASES)),
        (
            ("肝病科", S.GASTROENTEROLOGY),
            ("结核病科", S.RESPIRATORY),
            ("重症医学科", S.CRITICAL_CARE),
            ("检验科", S.LABORATORY),
            ("医学影像科", S.RADIOLOGY),
            ("急诊科", S.EMERGENCY),
            *_ADMIN,
        ),
    ),
    "chest": (
        (
            ("胸外科", S.CARDIOTHORACIC),
            ("呼吸内科", S.RESPIRATORY),
            ("结核科", S.INFECTIOUS_DISEASES),
        ),
        (
            ("心血管内科", S.CARDIOLOGY),
            ("肺部肿瘤科", S.ONCOLOGY),
            ("医学影像科", S.RADIOLOGY),
            ("病理科", S.PATHOLOGY),
            ("麻醉科", S.ANAESTHESIOLOGY),
            ("重症医学科", S.CRITICAL_CARE),
            *_ADMIN,
        ),
    ),
    "eye": (
        (
            ("白内障科", S.OPHTHALMOLOGY),
            ("青光眼科", S.OPHTHALMOLOGY),
            ("眼底病科", S.OPHTHALMOLOGY),
        ),
        (
            ("眼视光科", S.OPHTHALMOLOGY),
            ("小儿眼科", S.OPHTHALMOLOGY),
            ("眼整形科", S.OPHTHALMOLOGY),
            ("麻醉科", S.ANAESTHESIOLOGY),
            ("检验科", S.LABORATORY),
            *_ADMIN,
        ),
    ),
    "rehab": (
        (
            ("神经康复科", S.REHABILITATION),
            ("骨科康复科", S.REHABILITATION),
            ("儿童康复科", S.REHABILITATION),
        ),
        (
            ("中医康复科", S.TCM),
            ("神经内科", S.NEUROLOGY),
            ("骨科", S.ORTHOPAEDICS),
            ("医学影像科", S.RADIOLOGY),
            ("检验科", S.LABORATORY),
            *_ADMIN,
        ),
    ),
    "orthopaedic": (
        (("脊柱外科", S.ORTHOPAEDICS), ("关节外科", S.ORTHOPAEDICS), ("创伤骨科", S.ORTHOPAEDICS)),
        (
            ("手足外科", S.ORTHOPAEDICS),
            ("中医骨伤科", S.TCM),
            ("康复医学科", S.REHABILITATION),
            ("医学影像科", S.RADIOLOGY),
            ("麻醉科", S.ANAESTHESIOLOGY),
            *_ADMIN,
        ),
    ),
    "mch": (
        (
            ("妇科", S.OBSTETRICS_GYNAECOLOGY),
            ("产科", S.OBSTETRICS_GYNAECOLOGY),
            ("儿科", S.PAEDIATRICS),
        ),
        (
            ("新生儿科", S.PAEDIATRICS),
            ("儿童保健科", S.PAEDIATRICS),
            ("妇女保健科", S.OBSTETRICS_GYNAECOLOGY),
            ("生殖医学科", S.OBSTETRICS_GYNAECOLOGY),
            ("乳腺科", S.GENERAL_SURGERY),
            ("超声医学科", S.RADIOLOGY),
            ("麻醉科", S.ANAESTHESIOLOGY),
            ("检验科", S.LABORATORY),
            *_ADMIN,
        ),
    ),
    "children": (
        (("儿内科", S.PAEDIATRICS), ("新生儿科", S.PAEDIATRICS), ("小儿外科", S.GENERAL_SURGERY)),
        (
            ("儿童急诊科", S.EMERGENCY),
            ("小儿心血管科", S.CARDIOLOGY),
            ("小儿神经科", S.NEUROLOGY),
            ("小儿消化科", S.GASTROENTEROLOGY),
            ("小儿骨科", S.ORTHOPAEDICS),
            ("儿童重症医学科", S.CRITICAL_CARE),
            ("儿童保健科", S.PAEDIATRICS),
            ("医学影像科", S.RADIOLOGY),
            *_ADMIN,
        ),
    ),
    "community": (
        (("全科医学科", S.GENERAL_PRACTICE), ("预防保健科", S.GENERAL_PRACTICE)),
        (
            ("中医科", S.TCM),
            ("康复科", S.REHABILITATION),
            ("妇女保健科", S.OBSTETRICS_GYNAECOLOGY),
            ("儿童保健科", S.PAEDIATRICS),
            ("慢性病管理科", S.GENERAL_PRACTICE),
            ("检验科", S.LABORATORY),
            ("护理部", S.NURSING),
        ),
    ),
}

# The lead hospital: a fixed set of departments, execution teams and rooms.
LEAD_DEPARTMENTS: tuple[Dept, ...] = (
    ("肿瘤内科", S.ONCOLOGY),
    ("放射治疗科", S.ONCOLOGY),
    ("胸部肿瘤外科", S.CARDIOTHORACIC),
    ("胃肠肿瘤外科", S.GENERAL_SURGERY),
    ("妇科肿瘤科", S.OBSTETRICS_GYNAECOLOGY),
    ("血液肿瘤科", S.HAEMATOLOGY),
    ("病理科", S.PATHOLOGY),
    ("医学影像科", S.RADIOLOGY),
)


@dataclass(frozen=True)
class TeamSpec:
    name: str
    specialty: str
    department: str
    services: tuple[str, ...]
    lead: str = ""  # phone
    members: tuple[str, ...] = ()  # phones, the lead included


LEAD_TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("肿瘤多学科会诊（MDT）团队", S.ONCOLOGY, "肿瘤内科", ("consultation", "ward_round")),
    TeamSpec("肿瘤内科远程门诊团队", S.ONCOLOGY, "肿瘤内科", ("e_clinic", "follow_up")),
    TeamSpec("放射治疗专家团队", S.ONCOLOGY, "放射治疗科", ("consultation", "referral")),
    TeamSpec(
        "胸部肿瘤外科团队",
        S.CARDIOTHORACIC,
        "胸部肿瘤外科",
        ("consultation", "ward_round", "referral"),
    ),
    TeamSpec(
        "胃肠肿瘤外科团队", S.GENERAL_SURGERY, "胃肠肿瘤外科", ("e_clinic", "referral", "follow_up")
    ),
    TeamSpec(
        "妇科肿瘤团队",
        S.OBSTETRICS_GYNAECOLOGY,
        "妇科肿瘤科",
        ("e_clinic", "follow_up", "clinical_observation"),
    ),
    TeamSpec("血液肿瘤团队", S.HAEMATOLOGY, "血液肿瘤科", ("consultation", "follow_up")),
    TeamSpec("远程病理诊断团队", S.PATHOLOGY, "病理科", ("consultation", "special_business")),
    TeamSpec("远程影像诊断团队", S.RADIOLOGY, "医学影像科", ("consultation", "special_business")),
    TeamSpec(
        "进修与培训服务团队",
        S.ONCOLOGY,
        "肿瘤内科",
        ("study_visit", "clinical_observation", "advanced_study", "training_request"),
    ),
)


@dataclass(frozen=True)
class RoomSpec:
    name: str
    kind: str
    capacity: int
    administrators: tuple[str, ...] = ()  # phones


LEAD_ROOMS: tuple[tuple[str, str, int], ...] = (
    ("第一远程诊室", Room.Kind.CONSULTATION, 6),
    ("第二远程诊室", Room.Kind.CONSULTATION, 6),
    ("多学科会诊室", Room.Kind.CONSULTATION, 12),
    ("联盟视频会议室", Room.Kind.MEETING, 50),
    ("行政楼第一会议室", Room.Kind.MEETING, 30),
    ("远程教学教室", Room.Kind.TEACHING, 100),
    ("临床技能培训教室", Room.Kind.TEACHING, 40),
    ("手术示教间", Room.Kind.SURGERY_DEMO, 20),
)
LEAD_MANAGERS = 2  # besides the demo manager
LEAD_ROOM_ADMINS = 1  # besides the demo room admin


# --- The plan -----------------------------------------------------------------
@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class HospitalSpec:
    index: int
    name: str
    licence_code: str
    tier: str
    category: str
    grade: str
    division: str  # division code
    address: str
    departments: tuple[Dept, ...]
    is_lead: bool = False
    short_name: str = ""

    @property
    def province_code(self) -> str:
        return f"{self.division[:2]}0000"


@dataclass(frozen=True)
class UserSpec:
    phone: str
    name: str
    role: str
    hospital: str | None  # licence code
    department: str | None  # department name within the hospital
    title: str
    licence_number: str = ""
    status: str = User.Status.ACTIVE


@dataclass
class DemoPlan:
    hospitals: list[HospitalSpec]
    users: list[UserSpec]
    teams: list[TeamSpec]
    rooms: list[RoomSpec]

    @property
    def lead(self) -> HospitalSpec:
        return self.hospitals[0]

    def for_scale(self, scale: str) -> DemoPlan:
        """The first ``SCALES[scale]`` hospitals and everything that belongs to them."""
        hospitals = self.hospitals[: SCALES[scale]]
        keep = {h.licence_code for h in hospitals}
        users = [u for u in self.users if u.hospital is None or u.hospital in keep]
        return DemoPlan(hospitals, users, self.teams, self.rooms)


def load_divisions() -> list[DivisionRow]:
    rows = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))
    return [DivisionRow(r["code"], r["name"], r["level"], r["parent"]) for r in rows]


class _Planner:
    """Draws the whole ``paper`` plan from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.divisions = {d.code: d for d in load_divisions()}
        self.used_names: set[str] = set()
        self.used_phones: set[str] = {d.phone for d in DEMO_LOGINS}
        self.used_phones.update(p for p, _ in PENDING_REGISTRATIONS)

    # -- naming -----------------------------------------------------------------
    def is_municipal(self, code: str) -> bool:
        return code[:2] in {"11", "12", "31", "50"}

    def display_name(self, code: str) -> str:
        """The name a hospital is prefixed with: a district carries its city's name."""
        d = self.divisions[code]
        if d.level == "county" and d.name.endswith("区") and not d.name.endswith("特区"):
            assert d.parent is not None
            return self.divisions[d.parent].name + d.name
        if d.level == "city" and self.is_municipal(code):
            assert d.parent is not None
            return self.divisions[d.parent].name + d.name
        return d.name

    def address(self, code: str) -> str:
        chain: list[str] = []
        d: DivisionRow | None = self.divisions[code]
        while d is not None:
            chain.append(d.name)
            d = self.divisions[d.parent] if d.parent else None
        if len(chain) == 1:  # a province: its capital (first city in code order)
            capital = min(c for c, r in self.divisions.items() if r.parent == code)
            chain.insert(0, self.divisions[capital].name)
        road = self.rng.choice(ROADS)
        return "".join(reversed(chain)) + f"{road}{self.rng.randint(1, 399)}号"

    def person_name(self) -> str:
        given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def practising_licence(self, province: str) -> str:
        return f"1{province[:2]}{self.rng.randrange(10**12):012d}"

    # -- hospitals --------------------------------------------------------------
    def templates_for(self, code: str, tier: str) -> list[Template]:
        if code in SPECIAL_TEMPLATES:
            return list(SPECIAL_TEMPLATES[code])
        if tier == "province":
            base: tuple[Template, ...] = PROVINCE_TEMPLATES
        elif tier == "city":
            base = MUNICIPAL_DISTRICT_TEMPLATES if self.is_municipal(code) else CITY_TEMPLATES
        else:
            base = COUNTY_TEMPLATES
        extra = ETHNIC_TEMPLATES.get(code[:2]) if tier != "province" else None
        return [*base, extra] if extra else list(base)

    def allocate(
        self, tier: str, count: int, forced: dict[str, list[str]]
    ) -> list[tuple[str, Template]]:
        """Round-robin over the tier's divisions, a weighted draw of a template each."""
        codes = sorted(c for c, d in self.divisions.items() if d.level == tier)
        pools = {c: self.templates_for(c, tier) for c in codes}
        pending = {c: list(v) for c, v in forced.items()}
        picks: list[tuple[str, Template]] = []
        seen: set[str] = set()  # divisions that already have a hospital
        while len(picks) < count:
            order = list(codes)
            self.rng.shuffle(order)
            progressed = False
            for code in order:
                if len(picks) >= count:
                    break
                # Provinces and cities get their main general hospital first.
                first = tier != "county" and code not in seen
                template = self._draw(pools[code], pending.get(code), first=first)
                if template is None:
                    continue
                name = self.display_name(code) + template.suffix
                if name in self.used_names:
                    continue
                self.used_names.add(name)
                seen.add(code)
                picks.append((code, template))
                pools[code] = [
                    t for t in pools[code] if t is not template and not (template.main and t.main)
                ]
                progressed = True
            if not progressed:
                raise RuntimeError(f"not enough {tier} templates for {count} hospitals")
        return picks

    def _draw(
        self, pool: list[Template], forced: list[str] | None, *, first: bool
    ) -> Template | None:
        if forced:
            suffix = forced.pop(0)
            return next(t for t in pool if t.suffix == suffix)
        if first and any(t.main for t in pool):
            pool = [t for t in pool if t.main]
        if not pool:
            return None
        if len(pool) == 1:
            return pool[0]
        return self.rng.choices(pool, weights=[max(t.weight, 1) for t in pool])[0]

    def grade(self, tier: str, template: Template) -> str:
        g = Hospital.Grade
        if template.category == COMMUNITY:
            return self.rng.choices([g.GRADE_1, g.UNRATED], weights=[85, 15])[0]
        table: dict[str, tuple[list[str], list[int]]] = {
            "province": ([g.GRADE_3A, g.GRADE_3B], [85, 15]),
            "city": ([g.GRADE_3A, g.GRADE_3B, g.GRADE_2A], [45, 40, 15]),
            "county": ([g.GRADE_3B, g.GRADE_2A, g.GRADE_2B], [20, 65, 15]),
        }
        if template.main and tier != "county":
            return g.GRADE_3A
        grades, weights = table[tier]
        return self.rng.choices(grades, weights=weights)[0]

    def departments(self, profile: str) -> tuple[Dept, ...]:
        core, extras = DEPARTMENT_PROFILES[profile]
        size = self.rng.randint(5, 8)
        chosen = list(core) + self.rng.sample(list(extras), size - len(core))
        return tuple(chosen)

    def hospitals(self) -> list[HospitalSpec]:
        lead_province_forced = ["人民医院", LEAD_HOSPITAL_NAME.removeprefix("浙江省")]
        picks: list[tuple[str, str, Template]] = []
        for tier, forced in (
            ("province", {LEAD_PROVINCE: lead_province_forced}),
            ("city", {}),
            ("county", {DEMO_COUNTY: [DEMO_HOSPITAL_NAME.removeprefix("桐庐县")]}),
        ):
            for code, template in self.allocate(tier, TIER_COUNTS[tier], forced):
                picks.append((tier, code, template))

        def name_of(pick: tuple[str, str, Template]) -> str:
            return self.display_name(pick[1]) + pick[2].suffix

        lead = next(p for p in picks if name_of(p) == LEAD_HOSPITAL_NAME)
        demo = next(p for p in picks if name_of(p) == DEMO_HOSPITAL_NAME)
        rest = [p for p in picks if p is not lead and p is not demo]
        self.rng.shuffle(rest)
        specs: list[HospitalSpec] = []
        for index, (tier, code, template) in enumerate([lead, demo, *rest]):
            is_lead = index == 0
            org = f"4{(index * 7919 + 104729) % 10**7:07d}"  # a bijection of the index
            kind = LICENCE_KIND.get(template.profile, "15")
            specs.append(
                HospitalSpec(
                    index=index,
                    name=self.display_name(code) + template.suffix,
                    licence_code=f"{org}{code}{kind}A1001",
                    tier=tier,
                    category=template.category,
                    grade=Hospital.Grade.GRADE_3A if is_lead else self.grade(tier, template),
                    division=code,
                    address=self.address(code),
                    departments=LEAD_DEPARTMENTS if is_lead else self.departments(template.profile),
                    is_lead=is_lead,
                    short_name="省肿瘤医院" if is_lead else "",
                )
            )
        return specs

    # -- people -----------------------------------------------------------------
    def clinical_title(self) -> str:
        t = User.Title
        return self.rng.choices(
            [
                t.ATTENDING_PHYSICIAN,
                t.RESIDENT_PHYSICIAN,
                t.ASSOCIATE_CHIEF_PHYSICIAN,
                t.NURSE,
                t.SUPERVISOR_NURSE,
                t.TECHNICIAN,
            ],
            weights=[30, 25, 10, 20, 8, 7],
        )[0]

    def staff_department(self, hospital: HospitalSpec, title: str) -> str | None:
        names = [n for n, _ in hospital.departments]
        nurse = title in (User.Title.NURSE, User.Title.SUPERVISOR_NURSE)
        if nurse and "护理部" in names and self.rng.random() < 0.3:
            return "护理部"
        clinical = [n for n, s in hospital.departments if s not in (S.NURSING, S.ADMINISTRATION)]
        return self.rng.choice(clinical or names) if names else None

    def user(
        self,
        role: str,
        hospital: HospitalSpec | None,
        *,
        title: str,
        department: str | None = None,
        phone: str = "",
        name: str = "",
        status: str = User.Status.ACTIVE,
    ) -> UserSpec:
        clinical = title not in (User.Title.ADMINISTRATOR, User.Title.NONE)
        province = hospital.province_code if hospital else "110000"
        return UserSpec(
            phone=phone or self.phone(),
            name=name or self.person_name(),
            role=role,
            hospital=hospital.licence_code if hospital else None,
            department=department,
            title=title,
            licence_number=self.practising_licence(province) if clinical else "",
            status=status,
        )

    def users_of(self, hospital: HospitalSpec) -> list[UserSpec]:
        """One hospital administrator and a few staff for every member hospital."""
        names = {n for n, _ in hospital.departments}
        admin_dept = "医务科" if "医务科" in names else None
        logins = {d.role: d for d in DEMO_LOGINS if d.hospital == hospital.name}
        people: list[UserSpec] = []
        admin = logins.get(Role.HOSPITAL_ADMIN)
        people.append(
            self.user(
                Role.HOSPITAL_ADMIN,
                hospital,
                title=User.Title.ADMINISTRATOR,
                department=admin_dept,
                phone=admin.phone if admin else "",
                name=admin.name if admin else "",
            )
        )
        staff = logins.get(Role.STAFF)
        for i in range(STAFF_PER_HOSPITAL):
            demo = staff if i == 0 else None
            title = _DEMO_TITLES[Role.STAFF] if demo else self.clinical_title()
            people.append(
                self.user(
                    Role.STAFF,
                    hospital,
                    title=title,
                    department=self.staff_department(hospital, title),
                    phone=demo.phone if demo else "",
                    name=demo.name if demo else "",
                )
            )
        if hospital.name == DEMO_HOSPITAL_NAME:
            for phone, name in PENDING_REGISTRATIONS:
                title = self.clinical_title()
                people.append(
                    self.user(
                        Role.STAFF,
                        hospital,
                        title=title,
                        department=self.staff_department(hospital, title),
                        phone=phone,
                        name=name,
                        status=User.Status.PENDING,
                    )
                )
        return people

    def lead_people(
        self, lead: HospitalSpec
    ) -> tuple[list[UserSpec], list[TeamSpec], list[RoomSpec]]:
        people: list[UserSpec] = []
        demo = {d.role: d for d in DEMO_LOGINS}
        for role in (Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.MANAGER):
            login = demo[role]
            people.append(
                self.user(role, lead, title=_DEMO_TITLES[role], phone=login.phone, name=login.name)
            )
        for _ in range(LEAD_MANAGERS):
            people.append(self.user(Role.MANAGER, lead, title=User.Title.ADMINISTRATOR))

        teams: list[TeamSpec] = []
        for i, spec in enumerate(LEAD_TEAMS):
            members: list[UserSpec] = []
            for j in range(1 + self.rng.randint(3, 5)):
                if i == 0 and j == 0:
                    login = demo[Role.EXPERT]
                    title, phone, name = User.Title.CHIEF_PHYSICIAN, login.phone, login.name
                else:
                    title = (
                        User.Title.CHIEF_PHYSICIAN
                        if j == 0 or self.rng.random() < 0.4
                        else User.Title.ASSOCIATE_CHIEF_PHYSICIAN
                    )
                    phone = name = ""
                department = spec.department if j < 3 else self.rng.choice(LEAD_DEPARTMENTS)[0]
                members.append(
                    self.user(
                        Role.EXPERT,
                        lead,
                        title=title,
                        department=department,
                        phone=phone,
                        name=name,
                    )
                )
            people.extend(members)
            teams.append(
                TeamSpec(
                    spec.name,
                    spec.specialty,
                    spec.department,
                    spec.services,
                    lead=members[0].phone,
                    members=tuple(m.phone for m in members),
                )
            )

        room_admins = [demo[Role.ROOM_ADMIN].phone]
        login = demo[Role.ROOM_ADMIN]
        people.append(
            self.user(
                Role.ROOM_ADMIN,
                lead,
                title=User.Title.TECHNICIAN,
                phone=login.phone,
                name=login.name,
            )
        )
        for _ in range(LEAD_ROOM_ADMINS):
            extra = self.user(Role.ROOM_ADMIN, lead, title=User.Title.TECHNICIAN)
            people.append(extra)
            room_admins.append(extra.phone)
        rooms = [
            RoomSpec(
                name,
                kind,
                capacity,
                tuple(room_admins) if i % 2 == 0 else (room_admins[0],),
            )
            for i, (name, kind, capacity) in enumerate(LEAD_ROOMS)
        ]
        return people, teams, rooms

    def patient(self) -> UserSpec:
        login = next(d for d in DEMO_LOGINS if d.role == Role.PATIENT)
        return self.user(
            Role.PATIENT, None, title=User.Title.NONE, phone=login.phone, name=login.name
        )

    def plan(self) -> DemoPlan:
        hospitals = self.hospitals()
        users: list[UserSpec] = []
        for hospital in hospitals:
            users.extend(self.users_of(hospital))
        lead_users, teams, rooms = self.lead_people(hospitals[0])
        users.extend(lead_users)
        users.append(self.patient())
        return DemoPlan(hospitals, users, teams, rooms)


def build_plan(rng: random.Random | None = None) -> DemoPlan:
    """The full (``paper``) plan; ``plan.for_scale("small")`` is a prefix of it."""
    return _Planner(rng or random.Random(SEED)).plan()


# --- Seeding ------------------------------------------------------------------
@dataclass
class SeedContext:
    """What a step gets: the plan for the scale, the random stream and lookups."""

    scale: str
    plan: DemoPlan
    rng: random.Random
    password_hash: str
    log: Callable[[str], None] = lambda _msg: None
    alliance: Alliance | None = None
    created: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # free space for later steps

    def hospital_ids(self) -> dict[str, int]:
        """Licence code → id of the plan's hospitals that exist."""
        codes = [h.licence_code for h in self.plan.hospitals]
        return dict(
            Hospital.objects.filter(licence_code__in=codes).values_list("licence_code", "id")
        )

    def lead_hospital(self) -> Hospital:
        return Hospital.objects.get(licence_code=self.plan.lead.licence_code)

    def user_ids(self, phones: Iterable[str] | None = None) -> dict[str, int]:
        """Phone → id of the plan's users (or of the given phones) that exist."""
        wanted = list(phones) if phones is not None else [u.phone for u in self.plan.users]
        found: dict[str, int] = {}
        for batch in _batches(wanted, 5000):
            found.update(User.objects.filter(phone__in=batch).values_list("phone", "id"))
        return found


SeedFunction = Callable[[SeedContext], int]


@dataclass(frozen=True)
class SeedStep:
    name: str
    func: SeedFunction


def _batches(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def seed_divisions(ctx: SeedContext) -> int:
    """The divisions come from migration orgs.0002; check they are there."""
    wanted = {h.division for h in ctx.plan.hospitals}
    present = set(Division.objects.filter(code__in=wanted).values_list("code", flat=True))
    missing = sorted(wanted - present)
    if missing:
        raise RuntimeError(
            f"{len(missing)} administrative divisions are missing (e.g. {missing[0]}): "
            "run `manage.py migrate` first."
        )
    return 0


def seed_alliance(ctx: SeedContext) -> int:
    alliance, created = Alliance.objects.get_or_create(
        name=ALLIANCE_NAME,
        defaults={"short_name": ALLIANCE_SHORT_NAME, "description": ALLIANCE_DESCRIPTION},
    )
    ctx.alliance = alliance
    return int(created)


def seed_hospitals(ctx: SeedContext) -> int:
    assert ctx.alliance is not None
    existing = set(ctx.hospital_ids())
    new = [
        Hospital(
            alliance=ctx.alliance,
            name=h.name,
            short_name=h.short_name,
            licence_code=h.licence_code,
            category=h.category,
            grade=h.grade,
            tier=h.tier,
            division_id=h.division,
            province_code=h.province_code,  # bulk_create skips Hospital.save()
            address=h.address,
            status=Hospital.Status.ACTIVE,
            is_lead=h.is_lead,
        )
        for h in ctx.plan.hospitals
        if h.licence_code not in existing
    ]
    Hospital.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return len(new)


def seed_departments(ctx: SeedContext) -> int:
    ids = ctx.hospital_ids()
    existing = set(
        Department.objects.filter(hospital_id__in=ids.values()).values_list("hospital_id", "name")
    )
    new = [
        Department(hospital_id=ids[h.licence_code], name=name, specialty=specialty)
        for h in ctx.plan.hospitals
        for name, specialty in h.departments
        if (ids[h.licence_code], name) not in existing
    ]
    Department.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return len(new)


def seed_users(ctx: SeedContext) -> int:
    ids = ctx.hospital_ids()
    departments = {
        (hospital_id, name): pk
        for hospital_id, name, pk in Department.objects.filter(
            hospital_id__in=ids.values()
        ).values_list("hospital_id", "name", "id")
    }
    existing = set(ctx.user_ids())
    new: list[User] = []
    for u in ctx.plan.users:
        if u.phone in existing:
            continue
        hospital_id = ids[u.hospital] if u.hospital else None
        department_id = (
            departments.get((hospital_id, u.department)) if hospital_id and u.department else None
        )
        new.append(
            User(
                phone=u.phone,
                name=u.name,
                password=ctx.password_hash,
                title=u.title,
                licence_number=u.licence_number,
                hospital_id=hospital_id,
                department_id=department_id,
                status=u.status,
            )
        )
        existing.add(u.phone)
    User.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return len(new)


def seed_roles(ctx: SeedContext) -> int:
    ids = ctx.user_ids()
    existing: set[tuple[int, str]] = set()
    for batch in _batches(list(ids.values()), 5000):
        existing.update(
            RoleAssignment.objects.filter(user_id__in=batch).values_list("user_id", "role")
        )
    new = [
        RoleAssignment(user_id=ids[u.phone], role=u.role)
        for u in ctx.plan.users
        if (ids[u.phone], u.role) not in existing
    ]
    RoleAssignment.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return len(new)


def seed_teams(ctx: SeedContext) -> int:
    lead = ctx.lead_hospital()
    users = ctx.user_ids(p for t in ctx.plan.teams for p in t.members)
    teams = {t.name: t for t in Team.objects.filter(hospital=lead)}
    created = 0
    for spec in ctx.plan.teams:
        team = teams.get(spec.name)
        if team is None:
            team = Team.objects.create(
                hospital=lead, name=spec.name, specialty=spec.specialty, lead_id=users[spec.lead]
            )
            created += 1
        member_ids = set(team.members.values_list("id", flat=True))
        missing = [users[p] for p in spec.members if users[p] not in member_ids]
        Team.members.through.objects.bulk_create(
            [Team.members.through(team_id=team.pk, user_id=uid) for uid in missing]
        )
        kinds = set(team.services.values_list("kind", flat=True))
        services = [TeamService(team=team, kind=k) for k in spec.services if k not in kinds]
        TeamService.objects.bulk_create(services)
        created += len(missing) + len(services)
    return created


def seed_rooms(ctx: SeedContext) -> int:
    lead = ctx.lead_hospital()
    users = ctx.user_ids(p for r in ctx.plan.rooms for p in r.administrators)
    rooms = {r.name: r for r in Room.objects.filter(hospital=lead)}
    created = 0
    for spec in ctx.plan.rooms:
        room = rooms.get(spec.name)
        if room is None:
            room = Room.objects.create(
                hospital=lead, name=spec.name, kind=spec.kind, capacity=spec.capacity
            )
            created += 1
        admin_ids = set(room.administrators.values_list("id", flat=True))
        missing = [users[p] for p in spec.administrators if users[p] not in admin_ids]
        Room.administrators.through.objects.bulk_create(
            [Room.administrators.through(room_id=room.pk, user_id=uid) for uid in missing]
        )
        created += len(missing)
    return created


STEPS: list[SeedStep] = [
    SeedStep("divisions", seed_divisions),
    SeedStep("alliance", seed_alliance),
    SeedStep("hospitals", seed_hospitals),
    SeedStep("departments", seed_departments),
    SeedStep("users", seed_users),
    SeedStep("roles", seed_roles),
    SeedStep("teams", seed_teams),
    SeedStep("rooms", seed_rooms),
]


def register_step(
    name: str, func: SeedFunction, *, after: str | None = None, before: str | None = None
) -> None:
    """Add (or replace, by name) a seeding step; by default it runs last."""
    for i, step in enumerate(STEPS):
        if step.name == name:
            STEPS[i] = SeedStep(name, func)
            return
    names = [s.name for s in STEPS]
    if after is not None:
        position = names.index(after) + 1
    elif before is not None:
        position = names.index(before)
    else:
        position = len(STEPS)
    STEPS.insert(position, SeedStep(name, func))


@dataclass(frozen=True)
class SeedResult:
    scale: str
    created: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.created.values())


def run_seed(scale: str, *, log: Callable[[str], None] | None = None) -> SeedResult:
    """Seed the demo alliance at ``scale`` ("small" or "paper"); safe to run again."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose from {sorted(SCALES)}")
    autodiscover_modules("demo")
    rng = random.Random(SEED)
    plan = build_plan(rng).for_scale(scale)
    ctx = SeedContext(
        scale=scale,
        plan=plan,
        rng=rng,
        password_hash=make_password(DEMO_PASSWORD),  # hashed once, shared by every demo user
        log=log or (lambda _msg: None),
    )
    with transaction.atomic():
        for step in STEPS:
            ctx.created[step.name] = step.func(ctx)
            ctx.log(f"{step.name:<12} {ctx.created[step.name]:>6} created")
    return SeedResult(scale, dict(ctx.created))


# --- Output -------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def demo_login_table() -> str:
    """The demo logins as a plain-text table (printed by ``seed_demo``)."""
    header = ("role", "phone", "name", "hospital")
    rows = [header] + [(d.role, d.phone, d.name, d.hospital or "—") for d in DEMO_LOGINS]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"\nPassword for every demo login: {DEMO_PASSWORD}")
    return "\n".join(lines)
