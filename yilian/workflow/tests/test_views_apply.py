"""Applying: the kinds a user may apply for by module, a kind's own form (with variants),
the generic form for kinds without one, saving a draft or submitting, editing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from yilian.core.tests.html import field_errors, field_value, parse
from yilian.orgs.models import CooperationPlan
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from .apply_forms import VISIT
from .conftest import MANUAL, ROUTED
from .views_support import detail_url

pytestmark = pytest.mark.django_db

APPLY = reverse("workflow:apply")


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def visit(kinds):
    kind = registry.register(
        registry.Kind(
            code=VISIT,
            label="Study visit (test)",
            module="linkage",
            description="Visit a department of the lead hospital.",
            form="yilian.workflow.tests.apply_forms.VisitForm",
            variants=lambda: [
                registry.Variant("standard", "Standard visit"),
                registry.Variant("express", "Express visit", "Within the week."),
            ],
        )
    )
    yield kind
    registry.unregister(kind.code)


def _kind_url(code: str, variant: str | None = None) -> str:
    if variant:
        return reverse("workflow:apply_variant", args=[code, variant])
    return reverse("workflow:apply_kind", args=[code])


def test_apply_lists_the_kinds_by_module_with_variants(client, staff_a, visit):
    client.force_login(staff_a)

    page = parse(client.get(APPLY))

    medical = page.one("section", data_module="medical")
    linkage = page.one("section", data_module="linkage")
    # In registration order (the businesses the apps register come first).
    in_medical = [c.get("data-kind") for c in medical.find_all(data_kind=True)]
    in_linkage = [c.get("data-kind") for c in linkage.find_all(data_kind=True)]
    assert in_medical[-1:] == [ROUTED]
    assert in_linkage[-2:] == [MANUAL, VISIT]
    assert ROUTED not in in_linkage and VISIT not in in_medical
    card = linkage.one(data_kind=VISIT)
    assert "Visit a department of the lead hospital." in card.text
    links = {a.get("data-variant"): a.get("href") for a in card.find_all("a", data_variant=True)}
    assert links == {
        "standard": _kind_url(VISIT, "standard"),
        "express": _kind_url(VISIT, "express"),
    }
    assert medical.one(data_kind=ROUTED).one("a").get("href") == _kind_url(ROUTED)


def test_someone_who_may_not_apply_sees_an_empty_state_and_gets_404(client, expert, kinds):
    client.force_login(expert)

    page = parse(client.get(APPLY))

    assert page.find("section") is None
    assert page.find(data_empty=True) is not None
    assert client.get(_kind_url(ROUTED)).status_code == 404


def test_a_kind_outside_the_cooperation_plan_is_refused_saying_why(client, staff_a, kinds):
    CooperationPlan.objects.create(hospital=staff_a.hospital, disabled_kinds=[ROUTED])
    client.force_login(staff_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(_kind_url(ROUTED))
    assert page.status_code == 403
    assert "cooperation plan does not cover" in page.content.decode()
    response = client.post(_kind_url(ROUTED), {"title": "会诊", "urgency": "routine"})
    assert response.status_code == 403
    assert not BusinessRequest.objects.exists()
    assert parse(client.get(APPLY)).find(data_kind=ROUTED) is None


def test_an_unknown_kind_or_variant_is_a_404(client, staff_a, visit):
    client.force_login(staff_a)

    assert client.get(_kind_url("no_such_kind")).status_code == 404
    assert client.get(_kind_url(VISIT, "no_such_variant")).status_code == 404
    assert client.get(_kind_url(ROUTED, "standard")).status_code == 404


def test_the_generic_form_saves_a_draft(client, staff_a, kinds):
    client.force_login(staff_a)

    response = client.post(
        _kind_url(ROUTED),
        {
            "title": "胸痛待查会诊",
            "urgency": "urgent",
            "desired_start": "2030-05-06T09:00",
            "desired_end": "2030-05-06T10:30",
            "intent": "draft",
        },
    )

    request = BusinessRequest.objects.get()
    assert response["Location"] == detail_url(request)
    assert (request.kind, request.status, request.urgency) == (ROUTED, Status.DRAFT, "urgent")
    assert request.applicant == staff_a
    # read in the current time zone (Asia/Shanghai)
    assert timezone.localtime(request.desired_start).strftime("%H:%M") == "09:00"


def test_the_generic_form_submits(client, staff_a, kinds):
    client.force_login(staff_a)

    client.post(_kind_url(MANUAL), {"title": "进修申请", "urgency": "routine", "intent": "submit"})

    request = BusinessRequest.objects.get()
    assert request.status == Status.SUBMITTED
    assert list(request.events.values_list("action", flat=True)) == ["create", "submit"]


def test_the_generic_form_keeps_what_was_typed_on_error(client, staff_a, kinds):
    client.force_login(staff_a)

    response = client.post(
        _kind_url(ROUTED),
        {
            "title": "胸痛待查会诊",
            "urgency": "urgent",
            "desired_start": "2030-05-06T11:00",
            "desired_end": "2030-05-06T10:00",
            "intent": "submit",
        },
    )

    assert response.status_code == 422
    assert field_errors(response, "desired_end") == ["The end must be after the start."]
    assert field_value(response, "title") == "胸痛待查会诊"
    assert field_value(response, "urgency") == "urgent"
    assert field_value(response, "desired_start") == "2030-05-06T11:00"
    assert not BusinessRequest.objects.exists()


def test_a_kinds_own_form_gets_the_variant(client, staff_a, visit):
    client.force_login(staff_a)

    response = client.post(
        _kind_url(VISIT, "express"), {"title": "参观心内科", "visitors": "3", "intent": "submit"}
    )

    request = BusinessRequest.objects.get()
    assert response["Location"] == detail_url(request)
    assert request.title == "参观心内科（3人）"
    assert (request.kind, request.urgency, request.status) == (VISIT, "urgent", Status.SUBMITTED)


def test_a_kind_with_variants_asks_for_one_first(client, staff_a, visit):
    client.force_login(staff_a)

    page = parse(client.get(_kind_url(VISIT)))

    assert [a.get("data-variant") for a in page.find_all("a", data_variant=True)] == [
        "standard",
        "express",
    ]
    assert page.find("form", id="application-form") is None


def test_a_kinds_own_form_shows_its_errors(client, staff_a, visit):
    client.force_login(staff_a)

    response = client.post(
        _kind_url(VISIT, "standard"), {"title": "参观心内科", "visitors": "30", "intent": "draft"}
    )

    assert response.status_code == 422
    assert field_errors(response, "visitors")
    assert field_value(response, "title") == "参观心内科"
    assert not BusinessRequest.objects.exists()


def test_a_failed_submission_writes_nothing(client, staff_a, visit):
    """Save-then-submit is one transaction: a refused submission leaves no draft behind."""
    from django.core.exceptions import ValidationError

    def refuse(request, actor, data):
        raise ValidationError({"title": "这个月的名额已满。"})

    guarded = registry.Kind(
        code="wf_guarded_apply",
        label="Guarded",
        module="linkage",
        guards={"submit": refuse},
    )
    registry.register(guarded)
    try:
        client.force_login(staff_a)
        response = client.post(
            _kind_url("wf_guarded_apply"),
            {"title": "进修", "urgency": "routine", "intent": "submit"},
        )
    finally:
        registry.unregister(guarded.code)

    assert response.status_code == 422
    assert field_errors(response, "title") == ["这个月的名额已满。"]
    assert not BusinessRequest.objects.exists()


# --- editing ---------------------------------------------------------------------------


def _edit_url(request: BusinessRequest) -> str:
    return reverse("workflow:edit", args=[request.public_id])


def test_the_applicant_edits_a_draft(loop, client):
    draft = loop.new(title="旧标题")
    client.force_login(loop.applicant)

    form = client.get(_edit_url(draft))
    assert field_value(form, "title") == "旧标题"
    response = client.post(
        _edit_url(draft), {"title": "新标题", "urgency": "emergency", "intent": "draft"}
    )

    draft.refresh_from_db()
    assert response["Location"] == detail_url(draft)
    assert (draft.title, draft.urgency, draft.status) == ("新标题", "emergency", Status.DRAFT)
    assert draft.version == 2


def test_a_returned_request_is_edited_and_resubmitted(loop, client):
    request = loop.at(Status.SUBMITTED)
    transition(request, "return", actor=loop.manager, note="补充检查")
    client.force_login(loop.applicant)

    client.post(
        _edit_url(request), {"title": "已补充检查", "urgency": "urgent", "intent": "submit"}
    )

    request.refresh_from_db()
    assert (request.title, request.status) == ("已补充检查", Status.SUBMITTED)
    assert request.events.order_by("-id").first().action == "resubmit"


def test_a_kinds_own_form_edits_with_the_instance(loop, client, visit):
    loop.team.services.create(kind=VISIT)
    draft = loop.new(kind=VISIT, title="参观（1人）")
    client.force_login(loop.applicant)

    client.post(_edit_url(draft), {"title": "参观心内科", "visitors": "2", "intent": "draft"})

    draft.refresh_from_db()
    assert draft.title == "参观心内科（2人）"


def test_only_the_applicant_edits_and_only_while_draft_or_returned(
    loop, client, make_user, hospital_a, staff_b
):
    draft = loop.new(title="原标题")
    submitted = loop.at(Status.SUBMITTED)
    colleague = make_user("staff", hospital=hospital_a)
    data = {"title": "改掉", "urgency": "routine", "intent": "draft"}

    client.force_login(colleague)
    assert client.post(_edit_url(draft), data).status_code == 403
    client.force_login(staff_b)
    assert client.post(_edit_url(draft), data).status_code == 404
    client.force_login(loop.applicant)
    response = client.post(_edit_url(submitted), data)
    assert response["Location"] == detail_url(submitted)

    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert draft.title == "原标题"
    assert submitted.title != "改掉"


def test_a_form_offering_patients_is_an_audited_list(client, staff_a, hospital_a):
    from yilian.audit.models import AuditEntry
    from yilian.patients.models import Patient

    Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)
    client.force_login(staff_a)

    with_patients = client.get(reverse("workflow:apply_kind", args=["consultation"]))
    without = client.get(reverse("workflow:apply_kind", args=["study_visit"]))

    assert with_patients.status_code == without.status_code == 200
    assert "王某某" in with_patients.content.decode()
    assert list(AuditEntry.objects.values_list("actor", "action")) == [(staff_a.pk, "list")]
