"""The e-clinic part of the demo seeder: the demo expert holds a weekly clinic with slots
for the coming weeks and is bookable (in a team serving e-clinics); a second run on the
same day creates nothing."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.utils import timezone

from yilian.accounts.models import User
from yilian.orgs import demo
from yilian.orgs.models import Team, TeamService

from ..demo import CLINIC_WEEKDAY, seed_clinic_team
from ..kinds import E_CLINIC
from ..models import ClinicSchedule, ClinicSlot

pytestmark = pytest.mark.django_db


def test_demo_expert_holds_a_weekly_clinic_with_future_slots():
    first = demo.run_seed("small")

    expert = User.objects.get(phone="13800000005")
    schedule = ClinicSchedule.objects.get(expert=expert)
    assert schedule.weekday == CLINIC_WEEKDAY
    slots = ClinicSlot.objects.filter(schedule=schedule)
    assert slots.count() >= 3 * 9  # three weeks at least, nine slots an afternoon
    assert all(s.start > timezone.now() for s in slots)
    assert {timezone.localtime(s.start).weekday() for s in slots} == {CLINIC_WEEKDAY}
    assert first.created["clinics"] >= 1 + slots.count()
    serving = Team.objects.filter(is_active=True, services__kind=E_CLINIC)
    assert serving.filter(Q(lead=expert) | Q(members=expert)).exists()

    second = demo.run_seed("small")
    assert second.created["clinics"] == 0
    assert ClinicSchedule.objects.count() == 1


def test_an_expert_in_no_e_clinic_team_gets_the_service_on_the_mdt_team():
    demo.run_seed("small")
    expert = User.objects.get(phone="13800000005")
    mine = Team.objects.filter(Q(lead=expert) | Q(members=expert))
    TeamService.objects.filter(team__in=mine, kind=E_CLINIC).delete()

    assert seed_clinic_team(expert) == 1
    assert TeamService.objects.filter(
        team__name="肿瘤多学科会诊（MDT）团队", kind=E_CLINIC
    ).exists()
    assert seed_clinic_team(expert) == 0
