"""Demo data of remote consultations (a step of ``seed_demo``).

The lead hospital's execution teams serve consultations in several specialties (the
alliance plan already names most; a team is added for any of ``SPECIALTY_TEAMS`` nobody
serves). The demo expert leads the MDT team, and the leads of the imaging and pathology
teams join it, so an MDT consultation can be confirmed with experts of several
departments. Patients and consultation requests come with the patient demo data.
Every part looks its rows up by a natural key first: a second run creates nothing.
"""

from __future__ import annotations

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.orgs.models import Hospital, Specialty, Team, TeamService

from .kinds import CONSULTATION

MDT_TEAM = "肿瘤多学科会诊（MDT）团队"
# Specialty → the team created when no lead team serving consultations has it.
SPECIALTY_TEAMS: tuple[tuple[str, str], ...] = (
    (Specialty.ONCOLOGY, MDT_TEAM),
    (Specialty.RADIOLOGY, "远程影像诊断团队"),
    (Specialty.PATHOLOGY, "远程病理诊断团队"),
)
# The teams whose leads join the MDT team (other departments than oncology).
MDT_GUESTS: tuple[str, ...] = (Specialty.RADIOLOGY, Specialty.PATHOLOGY)


def _demo_expert() -> User:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.EXPERT)
    return User.objects.get(phone=phone)


def seed_consultation_teams(lead: Hospital, expert: User) -> int:
    created = 0
    serving = Team.objects.filter(hospital=lead, is_active=True, services__kind=CONSULTATION)
    by_specialty: dict[str, Team] = {}
    for specialty, name in SPECIALTY_TEAMS:
        team = serving.filter(specialty=specialty).order_by("name", "pk").first()
        if team is None:
            team, made = Team.objects.get_or_create(
                hospital=lead, name=name, defaults={"specialty": specialty}
            )
            created += int(made)
            _service, made = TeamService.objects.get_or_create(team=team, kind=CONSULTATION)
            created += int(made)
        by_specialty[specialty] = team

    mdt = (
        Team.objects.filter(hospital=lead, name=MDT_TEAM).first()
        or by_specialty[Specialty.ONCOLOGY]
    )
    if mdt.lead_id != expert.pk and not mdt.members.filter(pk=expert.pk).exists():
        if mdt.lead_id is not None:
            mdt.members.add(mdt.lead_id)  # the plan's lead stays on the team
        mdt.lead = expert
        mdt.save(update_fields=["lead", "updated_at"])
        created += 1
    for specialty in MDT_GUESTS:
        guest = by_specialty[specialty].lead
        if guest is not None and not mdt.members.filter(pk=guest.pk).exists():
            mdt.members.add(guest)
            created += 1
    return created


def seed_medical(ctx: SeedContext) -> int:
    return seed_consultation_teams(ctx.lead_hospital(), _demo_expert())


register_step("medical", seed_medical, after="rooms")
