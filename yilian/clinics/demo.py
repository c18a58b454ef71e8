"""Demo data of the remote e-clinic (a step of ``seed_demo``): the demo expert holds a
weekly clinic (Tuesday afternoons, 20-minute slots) written through the real service, so
the coming weeks have bookable slots. The expert must belong to an active team serving
e-clinics to be booked: when none, the team they lead (the MDT team) adds the service.
When the expert already holds a clinic, a second run only tops its slots up to the coming
weeks (nothing on the same day)."""

from __future__ import annotations

from datetime import time

from django.db.models import Q
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Team, TeamService

from .kinds import E_CLINIC
from .models import ClinicSchedule, ClinicSlot
from .services import ScheduleData, generate_slots, save_schedule

CLINIC_WEEKDAY = 1  # Tuesday
CLINIC_START = time(14, 0)
CLINIC_END = time(17, 0)
SLOT_MINUTES = 20


def _demo_expert() -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.EXPERT)
    return User.objects.filter(phone=phone).first()


def seed_clinic_team(expert: User) -> int:
    """Make the expert bookable: in an active team serving e-clinics, or the MDT team (any
    active team they lead or belong to) serving them too."""
    mine = Team.objects.filter(Q(lead=expert) | Q(members=expert), is_active=True).distinct()
    if mine.filter(services__kind=E_CLINIC).exists():
        return 0
    from yilian.medical.demo import MDT_TEAM

    team = mine.filter(name=MDT_TEAM).first() or mine.order_by("name", "pk").first()
    if team is None:
        return 0
    TeamService.objects.get_or_create(team=team, kind=E_CLINIC)
    return 1


def seed_clinics(ctx: SeedContext) -> int:
    expert = _demo_expert()
    if expert is None:
        return 0
    created = seed_clinic_team(expert)
    today = timezone.localdate()
    current = ClinicSchedule.objects.filter(expert=expert).exclude(valid_to__lt=today)
    if ClinicSchedule.objects.filter(expert=expert).exists():  # the expert holds a clinic
        return created + sum(generate_slots(s, today=today) for s in current)
    schedule = save_schedule(
        expert=expert,
        data=ScheduleData(
            weekday=CLINIC_WEEKDAY,
            start_time=CLINIC_START,
            end_time=CLINIC_END,
            slot_minutes=SLOT_MINUTES,
            valid_from=today,
        ),
    )
    return created + 1 + ClinicSlot.objects.filter(schedule=schedule).count()


register_step("clinics", seed_clinics)
