"""Demo data for sentinel monitoring: the influenza-like illness programme (流感样病例监测)
with four sentinel sites (the demo county hospital and three other member hospitals), 20
weeks of reports made through the report service by each site's staff, one spike at the
demo hospital four weeks ago that raises the programme's one baseline alert, and the most
recent week left unreported at one site."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.dates import start_of
from yilian.orgs.demo import DEMO_HOSPITAL_NAME, SeedContext, register_step
from yilian.orgs.models import Hospital

from .models import AlertRule, Indicator, Programme, RuleKind, Site, WeeklyReport, monday_of
from .services import submit_report

CODE = "ili"
WEEKS = 20
SPIKE_WEEKS_AGO = 4
INDICATORS = (
    ("seen", "门急诊就诊人数", None),
    ("ili", "流感样病例数", "seen"),
    ("tested", "采样检测数", None),
    ("positive", "流感病毒阳性数", "tested"),
)
# A small, fixed wobble around each site's level: no week of it crosses mean + 2 SD.
WOBBLE = (0, 2, -1, 1, 0, 2, 1, -1, 0, 1)


def _reporter(hospital: Hospital) -> User | None:
    return (
        User.objects.active().with_role(Role.STAFF).filter(hospital=hospital).order_by("id").first()
    )


def seed_sentinel(ctx: SeedContext) -> int:
    if Programme.objects.filter(code=CODE).exists():
        return 0
    demo = Hospital.objects.filter(name=DEMO_HOSPITAL_NAME).first()
    if demo is None:
        return 0
    others = list(
        Hospital.objects.active()
        .filter(is_lead=False)
        .exclude(pk=demo.pk)
        .order_by("licence_code")[:3]
    )
    programme = Programme.objects.create(
        code=CODE,
        name="流感样病例监测",
        description="哨点医院每周报告门急诊就诊人数、流感样病例数（体温≥38℃，伴咳嗽或咽痛）、采样检测数与阳性数。",
        due_days=1,
    )
    made: dict[str, Indicator] = {}
    for position, (code, label, cap) in enumerate(INDICATORS):
        made[code] = Indicator.objects.create(
            programme=programme,
            code=code,
            label=label,
            position=position,
            not_above=made.get(cap) if cap else None,
        )
    AlertRule.objects.create(
        programme=programme,
        indicator=made["ili"],
        name="流感样病例数超出基线",
        kind=RuleKind.BASELINE,
        baseline_weeks=8,
        sd_multiplier=2,
        min_count=10,
    )
    AlertRule.objects.create(
        programme=programme,
        indicator=made["positive"],
        name="流感病毒阳性数达到阈值",
        kind=RuleKind.THRESHOLD,
        threshold=30,
        min_count=1,
    )
    last = monday_of(timezone.localdate()) - timedelta(weeks=1)
    first = last - timedelta(weeks=WEEKS - 1)
    created = 1
    for index, hospital in enumerate([demo, *others]):
        site = Site.objects.create(programme=programme, hospital=hospital, since=first)
        reporter = _reporter(hospital)
        if reporter is None:
            continue
        level = 22 + 4 * index
        for n in range(WEEKS):
            week = first + timedelta(weeks=n)
            weeks_ago = (last - week).days // 7
            if index == 3 and weeks_ago == 0:
                continue  # this site has not reported last week yet
            ili = level + WOBBLE[(n + index) % len(WOBBLE)]
            if hospital == demo and weeks_ago == SPIKE_WEEKS_AGO:
                ili = level * 3
            seen = 20 * ili + 37 * ((n + index) % 5)
            tested = max(ili // 2, 5)
            positive = tested // 4 + (n % 3)
            submit_report(
                site,
                week=week,
                values={"seen": seen, "ili": ili, "tested": tested, "positive": positive},
                actor=reporter,
            )
            created += 1
        # Reports are made now; date them to the Monday after their week, when they came in.
        for report in WeeklyReport.objects.filter(site=site):
            on_time = start_of(report.week + timedelta(days=7)) + timedelta(hours=10 + index)
            WeeklyReport.objects.filter(pk=report.pk).update(submitted_at=on_time)
    return created


register_step("sentinel", seed_sentinel)
