"""Every step of the closed loop is an activity of the applicant hospital (the dashboard's
business interactions), written with the step and never without it."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from yilian.analytics.models import ActivityEvent, DailyRollup
from yilian.workflow.models import Status
from yilian.workflow.services import TransitionError, transition

from .conftest import ROUTED

pytestmark = pytest.mark.django_db


def test_every_step_of_the_loop_is_counted_for_the_applicant_hospital(loop):
    request = loop.at(Status.CLOSED)

    steps = list(request.events.order_by("created_at", "id").values_list("action", "actor_id"))
    activity = ActivityEvent.objects.filter(kind=ROUTED).order_by("occurred_at", "id")
    assert [(a.action, a.user_id) for a in activity] == steps
    assert {a.hospital_id for a in activity} == {loop.applicant.hospital_id}
    rolled = DailyRollup.objects.filter(kind=ROUTED).aggregate(n=Sum("count"))["n"]
    assert rolled == len(steps)


def test_a_refused_step_is_not_counted(loop):
    request = loop.new()
    before = ActivityEvent.objects.count()

    with pytest.raises(TransitionError):
        transition(request, "approve", actor=loop.manager)

    assert ActivityEvent.objects.count() == before
