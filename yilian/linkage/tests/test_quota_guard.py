"""Confirming an advanced study takes a seat of the department's quota for its month."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import formats

from yilian.workflow.models import Status
from yilian.workflow.services import transition
from yilian.workflow.tests.conftest import snapshot

from ..models import StudyQuota
from .conftest import apply_study, next_month

pytestmark = pytest.mark.django_db


def _confirm(loop, request):
    return transition(request, "confirm", actor=loop.expert, **loop.data_for("confirm"))


def test_confirming_takes_a_seat_and_records_it(loop, staff_a, cardiology, quota):
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)

    request = _confirm(loop, request)

    assert request.status == Status.CONFIRMED
    event = request.events.get(action="confirm")
    assert event.payload["seat"] == 1
    assert event.payload["seats"] == 2


def test_a_full_quota_refuses_and_changes_nothing(loop, staff_a, make_user, cardiology, quota):
    for _ in range(quota.seats):
        _confirm(loop, loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED))
    third = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    before = snapshot(third)

    with pytest.raises(ValidationError) as refused:
        _confirm(loop, third)

    month = formats.date_format(next_month(), "YEAR_MONTH_FORMAT")
    assert refused.value.messages == [f"心内科 {month}: the advanced-study seats are full (2/2)."]
    assert snapshot(third) == before
    assert StudyQuota.objects.get(pk=quota.pk).seats == 2


def test_without_a_quota_a_manager_must_set_one(loop, staff_a, cardiology):
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    before = snapshot(request)

    with pytest.raises(ValidationError, match="a platform manager must set the number of seats"):
        _confirm(loop, request)

    assert snapshot(request) == before


def test_a_quota_of_another_month_does_not_count(loop, staff_a, cardiology):
    StudyQuota.objects.create(department=cardiology, month=next_month(2), seats=5)
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)

    with pytest.raises(ValidationError, match="has no advanced-study quota"):
        _confirm(loop, request)


def test_a_cancelled_registration_frees_its_seat(loop, staff_a, cardiology, quota):
    holders = [
        _confirm(loop, loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED))
        for _ in range(quota.seats)
    ]
    waiting = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    with pytest.raises(ValidationError, match="full"):
        _confirm(loop, waiting)

    transition(holders[0], "cancel", actor=loop.manager, reason="本人放弃进修")

    assert _confirm(loop, waiting).status == Status.CONFIRMED


def test_requests_not_yet_confirmed_hold_no_seat(loop, staff_a, cardiology, quota):
    for status in (Status.DRAFT, Status.SUBMITTED, Status.DISPATCHED):
        loop.advance(apply_study(staff_a, cardiology), status)
    a = _confirm(loop, loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED))
    b = _confirm(loop, loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED))
    assert {a.status, b.status} == {Status.CONFIRMED}
