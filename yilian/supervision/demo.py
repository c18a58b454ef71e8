"""Demo data of the feedback channel (a step of ``seed_demo``): the demo staff member's
suggestion, answered by the demo manager, and a complaint still open. A second run
creates nothing."""

from __future__ import annotations

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step

from . import services
from .models import Ticket

ANSWERED = "希望会诊申请能保存草稿模板"
OPEN = "视频会诊时声音偶尔断续"


def seed_feedback(ctx: SeedContext) -> int:
    phones = {d.role: d.phone for d in DEMO_LOGINS}
    staff = User.objects.filter(phone=phones[Role.STAFF]).first()
    manager = User.objects.filter(phone=phones[Role.MANAGER]).first()
    if staff is None or manager is None or Ticket.objects.filter(author=staff).exists():
        return 0
    suggestion = services.raise_ticket(
        author=staff,
        category=Ticket.Category.SUGGESTION,
        about=Ticket.About.PLATFORM,
        title=ANSWERED,
        body="同类会诊每次都要重填病史摘要，希望能从上次申请复制。",
    )
    services.answer_ticket(
        suggestion, actor=manager, answer="已列入下一版本计划，届时可从历史申请复制内容。"
    )
    services.raise_ticket(
        author=staff,
        category=Ticket.Category.COMPLAINT,
        about=Ticket.About.PLATFORM,
        title=OPEN,
        body="本周二下午的会诊中声音多次中断。",
    )
    return 2


register_step("feedback", seed_feedback)
