"""Demo data of patient follow-up (a step of ``seed_demo``): the demo manager writes one
alliance-wide follow-up template through the real service, unless the alliance already has
one. A second run creates nothing."""

from __future__ import annotations

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step

from .models import FollowUpTemplate, QuestionType
from .services import save_template

TEMPLATE_NAME = "肿瘤术后随访"
TEMPLATE_OFFSETS: tuple[int, ...] = (7, 30, 90)
TEMPLATE_QUESTIONS: tuple[dict[str, object], ...] = (
    {
        "label": "过去一周伤口或术区疼痛程度（0 为不痛，10 为最痛）",
        "type": QuestionType.NUMBER,
        "required": True,
        "alert": "7",
    },
    {
        "label": "近期是否出现发热（体温 ≥ 38.5 ℃）？",
        "type": QuestionType.YES_NO,
        "required": True,
        "alert": "yes",
    },
    {
        "label": "目前的饮食情况",
        "type": QuestionType.CHOICE,
        "options": ["正常", "食欲减退", "难以进食"],
        "required": True,
        "alert": "难以进食",
    },
)


def seed_follow_up_template(ctx: SeedContext) -> int:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.MANAGER)
    manager = User.objects.select_related("hospital").filter(phone=phone).first()
    if manager is None or manager.hospital is None:
        return 0
    alliance_wide = FollowUpTemplate.objects.filter(
        alliance_id=manager.hospital.alliance_id, hospital__isnull=True
    )
    if alliance_wide.exists():
        return 0
    save_template(
        actor=manager,
        name=TEMPLATE_NAME,
        offsets=list(TEMPLATE_OFFSETS),
        questions=TEMPLATE_QUESTIONS,
    )
    return 1


register_step("followups", seed_follow_up_template)
