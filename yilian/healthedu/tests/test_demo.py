"""The library's part of the demo seeder: three published articles, one attached to the
demo patient's follow-up plan (the patient login sees it); a second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs import demo

from ..models import Item, PlanItem, Status
from ..selectors import items_for_patient

pytestmark = pytest.mark.django_db


def test_demo_seeding_publishes_articles_and_gives_one_to_the_demo_patient():
    first = demo.run_seed("small")
    assert first.created["healthedu"] == 4
    assert set(Item.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert Item.objects.filter(title__contains="BE FAST").exists()
    patient_phone = next(d.phone for d in demo.DEMO_LOGINS if d.role == Role.PATIENT)
    patient = User.objects.get(phone=patient_phone)
    assert [row.item.title for row in items_for_patient(patient)] == ["高血压患者的家庭血压监测"]

    second = demo.run_seed("small")
    assert second.created["healthedu"] == 0
    assert Item.objects.count() == 3 and PlanItem.objects.count() == 1
