"""Demo data for live events: a public conference tomorrow, a surgery demonstration the day
after (its patient consent not yet on file), and a past conference with its replay in the
cloud classroom (the classroom's test-pattern video stands in for the recording)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.teaching.demo import VIDEO, VIDEO_SECONDS

from .models import Audience, EventKind, EventStatus, LiveEvent
from .services import EventData, create_event, publish_replay

EVENTS = (
    # title, kind, audience, days from today, hour, description
    (
        "2026 浙江肿瘤防治联盟年会",
        EventKind.CONFERENCE,
        Audience.PUBLIC,
        1,
        9,
        "年会主会场直播：县域肿瘤早筛与规范化诊疗。",
    ),
    (
        "腹腔镜胃癌根治术示教",
        EventKind.SURGERY,
        Audience.MEDICAL_STAFF,
        2,
        14,
        "来自示教手术室的实时示教，仅限注册医务人员观看。",
    ),
    (
        "肺结节多学科诊疗论坛",
        EventKind.CONFERENCE,
        Audience.MEMBERS,
        -7,
        19,
        "上周论坛的回放已放入云课堂。",
    ),
)


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_live_events(ctx: SeedContext) -> int:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.MANAGER)
    manager = User.objects.filter(phone=phone).first()
    if manager is None:
        return 0
    host = ctx.lead_hospital()
    created = 0
    for title, kind, audience, days, hour, description in EVENTS:
        if LiveEvent.objects.filter(title=title).exists():
            continue
        start = _at(days, hour)
        event = create_event(
            EventData(
                title=title,
                kind=kind,
                description=description,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                host_hospital=host,
                audience=audience,
                organisers=[],
            ),
            actor=manager,
        )
        created += 1
        if days < 0:
            LiveEvent.objects.filter(pk=event.pk).update(
                status=EventStatus.ENDED, live_at=start, ended_at=start + timedelta(hours=2)
            )
            publish_replay(event, VIDEO, VIDEO_SECONDS)
    return created


register_step("live", seed_live_events, after="teaching")
