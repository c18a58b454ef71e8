"""The business-kind registry: what a kind may declare, and what it may not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yilian.accounts.models import User
from yilian.orgs.models import TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.web.navigation import MODULES
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest, Feedback
from yilian.workflow.selectors import QUEUES, queue_counts

from .conftest import ROUTED


@pytest.fixture
def scratch():
    codes: list[str] = []

    def register(**fields):
        fields.setdefault("label", "Scratch")
        fields.setdefault("module", "medical")
        kind = registry.register(registry.Kind(**fields))
        codes.append(kind.code)
        return kind

    yield register
    for code in codes:
        registry.unregister(code)


def test_register_get_and_list(scratch):
    kind = scratch(code="wf_scratch", detail_model="workflow.Feedback")
    assert registry.get_kind("wf_scratch") is kind
    assert kind in registry.all_kinds()
    assert kind in registry.kinds_in_module("medical")
    assert kind.get_detail_model() is Feedback
    assert kind.steps == registry.STEPS
    assert kind.sla("approve") is None
    # registering the same kind again is harmless (an app's ready() may run twice)
    assert registry.register(kind) is kind


def test_unknown_kind_is_a_lookup_error():
    with pytest.raises(LookupError):
        registry.get_kind("wf_nothing")


def test_a_code_belongs_to_one_kind(scratch):
    scratch(code="wf_scratch")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.Kind(code="wf_scratch", label="Other", module="linkage"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "Bad Code"}, "lowercase"),
        ({"code": "wf_x", "module": "nowhere"}, "unknown module"),
        ({"code": "wf_x", "steps": registry.STEPS - {"complete"}}, "cannot be left out"),
        ({"code": "wf_x", "steps": registry.STEPS | {"teleport"}}, "unknown steps"),
        (
            {"code": "wf_x", "steps": registry.STEPS - {"close"}, "sla_hours": {"close": 2}},
            "does not use",
        ),
        ({"code": "wf_x", "applicant_roles": frozenset({"wizard"})}, "unknown roles"),
    ],
)
def test_invalid_kinds_are_refused(scratch, fields, message):
    with pytest.raises(ValueError, match=message):
        scratch(**fields)
    assert "wf_x" not in {k.code for k in registry.all_kinds()}


def test_module_keys_match_the_navigation():
    assert {"medical", "teaching", "linkage", "quality"} <= {m.key for m in MODULES}


@pytest.mark.django_db
def test_default_route_is_the_first_active_team_serving_the_kind(kinds, lead_hospital):
    inactive = TeamFactory(hospital=lead_hospital, name="A 组", is_active=False)
    second = TeamFactory(hospital=lead_hospital, name="C 组")
    first = TeamFactory(hospital=lead_hospital, name="B 组")
    unrelated = TeamFactory(hospital=lead_hospital, name="0 组")
    for team in (inactive, second, first):
        TeamService.objects.create(team=team, kind=ROUTED)
    TeamService.objects.create(team=unrelated, kind="other_kind")
    assert registry.route_to_first_team(BusinessRequest(kind=ROUTED)) == first
    assert registry.route_to_first_team(BusinessRequest(kind="nothing")) is None


@pytest.mark.django_db
def test_queue_counts_are_one_query(loop):
    loop.at("submitted")
    loop.at("feedback_given")
    manager = User.objects.get(pk=loop.manager.pk)
    manager.roles  # noqa: B018 — read once per page, like the menus do
    with CaptureQueriesContext(connection) as ctx:
        counts = queue_counts(manager)
    assert len(ctx.captured_queries) == 1
    assert set(counts) == set(QUEUES)
    assert (counts["to_review"], counts["to_qc"], counts["to_confirm"]) == (1, 1, 0)


def test_the_operator_overrides_a_kinds_deadlines(scratch, settings):
    kind = scratch(code="wf_scratch", sla_hours={"approve": 24})
    assert kind.sla("approve") == timedelta(hours=24)

    settings.YILIAN_SLA_HOURS = {"wf_scratch.approve": 4, "wf_scratch.confirm": 0.5}

    assert kind.sla("approve") == timedelta(hours=4)
    assert kind.sla("confirm") == timedelta(minutes=30)


def test_an_override_naming_no_step_is_reported(scratch, settings):
    from django.core.checks import run_checks

    scratch(code="wf_scratch")
    settings.YILIAN_SLA_HOURS = {"wf_scratch.approve": 4, "wf_scracth.approve": 4}

    warnings = [m for m in run_checks() if m.id == "workflow.W001"]

    assert [w.msg for w in warnings] == [
        "YILIAN_SLA_HOURS names 'wf_scracth.approve', which is no step of a registered "
        "business kind."
    ]
