"""Deadlines per urgency: a kind may give a step one number of hours, or hours per urgency;
the operator may override either per step or per step and urgency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from yilian.orgs.models import TeamService
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.selectors import is_overdue, overdue_condition

PER_URGENCY = "wf_sla"


@pytest.fixture
def per_urgency(kinds, team):
    kind = registry.register(
        registry.Kind(
            code=PER_URGENCY,
            label="Per-urgency test",
            module="medical",
            sla_hours={"approve": {"emergency": 0.5, "urgent": 4, "routine": 24}, "confirm": 12},
        )
    )
    TeamService.objects.create(team=team, kind=PER_URGENCY)
    yield kind
    registry.unregister(PER_URGENCY)


def test_a_step_may_have_hours_per_urgency(per_urgency):
    assert per_urgency.sla("approve", "emergency") == timedelta(minutes=30)
    assert per_urgency.sla("approve", "urgent") == timedelta(hours=4)
    assert per_urgency.sla("approve", "routine") == timedelta(hours=24)
    assert per_urgency.sla("approve") == timedelta(hours=24)  # no urgency: routine
    # a plain number holds for every urgency
    assert per_urgency.sla("confirm", "emergency") == timedelta(hours=12)


def test_an_urgency_left_out_has_no_deadline():
    kind = registry.Kind(
        code="wf_partial", label="Partial", module="medical", sla_hours={"approve": {"urgent": 2}}
    )
    assert kind.sla("approve", "urgent") == timedelta(hours=2)
    assert kind.sla("approve", "routine") is None


@pytest.mark.parametrize(
    "sla_hours, message",
    [
        ({"approve": {"soon": 2}}, "unknown urgencies"),
        ({"approve": {"urgent": 0}}, "hours > 0"),
        ({"approve": -1}, "hours > 0"),
        ({"approve": "24"}, "hours > 0"),
    ],
)
def test_bad_deadlines_are_refused(sla_hours, message):
    with pytest.raises(ValueError, match=message):
        registry.Kind(code="wf_bad", label="Bad", module="medical", sla_hours=sla_hours)


def test_the_operator_overrides_per_step_and_per_urgency(per_urgency, settings):
    settings.YILIAN_SLA_HOURS = {f"{PER_URGENCY}.approve": 8, f"{PER_URGENCY}.approve.emergency": 1}

    assert per_urgency.sla("approve", "emergency") == timedelta(hours=1)
    assert per_urgency.sla("approve", "urgent") == timedelta(hours=8)
    assert per_urgency.sla("approve", "routine") == timedelta(hours=8)


def test_due_and_overdue_follow_the_requests_urgency(loop, per_urgency):
    emergency = loop.at(Status.SUBMITTED, kind=PER_URGENCY, urgency="emergency")
    routine = loop.at(Status.SUBMITTED, kind=PER_URGENCY, urgency="routine")

    assert emergency.due_at == emergency.submitted_at + timedelta(minutes=30)
    assert routine.due_at == routine.submitted_at + timedelta(hours=24)
    an_hour_later = emergency.submitted_at + timedelta(hours=1)
    assert is_overdue(emergency, now=an_hour_later)
    assert not is_overdue(routine, now=an_hour_later)

    late = set(
        BusinessRequest.objects.filter(overdue_condition(an_hour_later)).values_list(
            "pk", flat=True
        )
    )
    assert emergency.pk in late
    assert routine.pk not in late
    # a day later both are late
    a_day_later = timezone.now() + timedelta(hours=25)
    late = set(
        BusinessRequest.objects.filter(overdue_condition(a_day_later)).values_list("pk", flat=True)
    )
    assert {emergency.pk, routine.pk} <= late


def test_the_system_check_accepts_step_and_urgency_keys(per_urgency, settings):
    settings.YILIAN_SLA_HOURS = {
        f"{PER_URGENCY}.approve": 8,
        f"{PER_URGENCY}.approve.emergency": 1,
        f"{PER_URGENCY}.approve.whenever": 1,
    }

    warnings = [m for m in run_checks() if m.id == "workflow.W001"]

    assert [w.msg for w in warnings] == [
        f"YILIAN_SLA_HOURS names '{PER_URGENCY}.approve.whenever', which is no step of a "
        "registered business kind."
    ]
