"""Demo data for standards promotion: two documents by the demo platform manager — the
chest-pain pathway for county and city hospitals (version 2023, then 2024, with a short
quiz) and the infection-control guideline for every member hospital — and a few
acknowledgements at the demo county hospital. The demo staff login has confirmed the
guideline and still has the new chest-pain version to read."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.pdf import placeholder_pdf
from yilian.orgs.demo import DEMO_HOSPITAL_NAME, DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Hospital

from .models import Category, Standard
from .policies import TARGETABLE_ROLES
from .services import acknowledge, add_question, publish_version, save_standard

CHEST_PAIN = "急性胸痛诊疗规范"
INFECTION = "医院感染预防与控制技术指南"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        f"{name}.pdf", placeholder_pdf(f"Yilian standard - {name}"), content_type="application/pdf"
    )


def _login(role: str) -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == role)
    return User.objects.filter(phone=phone).first()


def seed_standards(ctx: SeedContext) -> int:
    manager = _login(Role.MANAGER)
    demo_staff = _login(Role.STAFF)
    hospital = Hospital.objects.filter(name=DEMO_HOSPITAL_NAME).first()
    if manager is None or hospital is None or Standard.objects.filter(title=CHEST_PAIN).exists():
        return 0
    cardio, _new = Category.objects.get_or_create(name="心血管", defaults={"position": 0})
    infection, _new = Category.objects.get_or_create(name="医院感染管理", defaults={"position": 1})

    chest = save_standard(
        actor=manager,
        title=CHEST_PAIN,
        code="联盟规范 CP-01",
        category=cardio,
        summary="基层首诊胸痛患者的识别、首份心电图时限、转运与上转指征。",
        tiers=[Hospital.Tier.COUNTY, Hospital.Tier.CITY],
        roles=TARGETABLE_ROLES,
        pass_mark=100,
    )
    publish_version(chest, actor=manager, upload=_pdf("chest-pain-2023"), label="2023版")
    publish_version(
        chest,
        actor=manager,
        upload=_pdf("chest-pain-2024"),
        label="2024版",
        notes=(
            "首份心电图时限由 10 分钟内改为到院后 10 分钟内完成并远程传输；新增高敏肌钙蛋白判读。"
        ),
    )
    q1 = add_question(
        chest,
        actor=manager,
        text="胸痛患者到院后多久内应完成首份心电图？",
        choices=["10 分钟内", "30 分钟内", "1 小时内"],
        answer=0,
    )
    q2 = add_question(
        chest,
        actor=manager,
        text="心电图提示 ST 段抬高时首先应当？",
        choices=["门诊随访", "启动联盟胸痛上转通道", "次日复查"],
        answer=1,
    )
    guideline = save_standard(
        actor=manager,
        title=INFECTION,
        code="WS/T 311",
        category=infection,
        summary="手卫生、标准预防、多重耐药菌防控与医疗器械清洗消毒的基本要求。",
        roles=TARGETABLE_ROLES,
    )
    publish_version(guideline, actor=manager, upload=_pdf("infection-control"), label="2024版")
    chest.refresh_from_db()
    guideline.refresh_from_db()

    colleagues = list(
        User.objects.active()
        .with_role(Role.STAFF)
        .filter(hospital=hospital)
        .exclude(pk=getattr(demo_staff, "pk", None))
        .order_by("id")[:3]
    )
    created = 2
    for user in colleagues:
        acknowledge(guideline, user=user, confirmed=True)
        created += 1
    for user in colleagues[:2]:
        acknowledge(chest, user=user, confirmed=True, answers={q1.pk: 0, q2.pk: 1})
        created += 1
    if demo_staff is not None:
        acknowledge(guideline, user=demo_staff, confirmed=True)
        created += 1
    return created


register_step("standards", seed_standards)
