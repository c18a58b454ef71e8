"""What a kind adds to the engine: guards on a step, the cooperation plan, contact."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yilian.accounts.roles import Role
from yilian.orgs.models import CooperationPlan
from yilian.workflow import registry
from yilian.workflow.models import Status
from yilian.workflow.selectors import kinds_user_may_apply
from yilian.workflow.services import transition

from .conftest import ROUTED, snapshot, today_at

pytestmark = pytest.mark.django_db

GUARDED = "wf_guarded"


@pytest.fixture
def guarded(kinds, team):
    seen = []

    def only_mornings(request, actor, data):
        seen.append((request.status, actor, dict(data)))
        if data["scheduled_start"].hour >= 12:
            raise ValidationError({"scheduled_start": "Visits are received in the morning."})
        return {"host_checked": True}

    kind = registry.register(
        registry.Kind(
            code=GUARDED,
            label="Guarded visit",
            module="linkage",
            guards={"confirm": only_mornings},
        )
    )
    team.services.create(kind=GUARDED)
    yield seen
    registry.unregister(kind.code)


def test_a_guard_refusal_writes_nothing(loop, guarded):
    request = loop.at(Status.DISPATCHED, kind=GUARDED)
    before = snapshot(request)

    with pytest.raises(ValidationError) as refused:
        transition(request, "confirm", actor=loop.expert, **loop.data_for("confirm"))

    assert refused.value.message_dict == {
        "scheduled_start": ["Visits are received in the morning."]
    }
    assert snapshot(request) == before
    assert guarded[0][0] == Status.DISPATCHED  # it saw the locked row before the move


def test_a_passing_guard_adds_to_the_event(loop, guarded):
    request = loop.at(Status.DISPATCHED, kind=GUARDED)

    request = transition(
        request,
        "confirm",
        actor=loop.expert,
        scheduled_start=today_at(9),
        scheduled_end=today_at(11),
        contact="心内科 王护士长 0571-8888 6666",
    )

    assert request.status == Status.CONFIRMED
    assert request.contact == "心内科 王护士长 0571-8888 6666"
    event = request.events.get(action="confirm")
    assert event.payload["host_checked"] is True


def test_a_guard_for_a_step_the_kind_does_not_use_is_refused():
    with pytest.raises(ValueError, match="guards for steps it does not use"):
        registry.Kind(
            code="wf_bad_guard",
            label="x",
            module="linkage",
            steps=registry.STEPS - {"confirm"},
            guards={"confirm": lambda r, a, d: None},
        )


def test_an_overlong_contact_is_refused(loop):
    request = loop.at(Status.DISPATCHED)

    with pytest.raises(ValidationError) as refused:
        transition(
            request, "confirm", actor=loop.expert, **loop.data_for("confirm"), contact="电" * 121
        )

    assert "contact" in refused.value.message_dict
    assert request.__class__.objects.get(pk=request.pk).status == Status.DISPATCHED


def test_the_cooperation_plan_decides_which_kinds_a_hospital_may_apply_for(loop, staff_a):
    assert ROUTED in [k.code for k in kinds_user_may_apply(staff_a)]

    CooperationPlan.objects.create(hospital=staff_a.hospital, disabled_kinds=[ROUTED])

    assert ROUTED not in [k.code for k in kinds_user_may_apply(staff_a)]
    with pytest.raises(PermissionDenied, match="cooperation plan does not cover"):
        loop.new()


def test_only_applicant_roles_see_kinds_to_apply_for(kinds, expert, patient, staff_a, make_user):
    assert kinds_user_may_apply(expert) == []
    assert kinds_user_may_apply(patient) == []
    admin = make_user(Role.HOSPITAL_ADMIN, hospital=staff_a.hospital)
    assert {k.code for k in kinds_user_may_apply(admin)} >= {ROUTED}
