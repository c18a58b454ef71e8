"""update_request: the applicant changes a draft or returned request; nobody else, never
later, and nothing half-written on invalid data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from yilian.workflow.models import Status
from yilian.workflow.services import TransitionError, transition, update_request

from .conftest import snapshot

pytestmark = pytest.mark.django_db


def test_the_applicant_changes_a_draft_and_the_version_moves(loop):
    draft = loop.new(title="旧标题")

    updated = update_request(draft, actor=loop.applicant, title=" 新标题 ", urgency="emergency")

    draft.refresh_from_db()
    assert (draft.title, draft.urgency, draft.version) == ("新标题", "emergency", 2)
    assert updated.version == 2
    assert list(draft.events.values_list("action", flat=True)) == ["create"]  # not a step


def test_a_returned_request_may_be_changed(loop):
    request = loop.at(Status.SUBMITTED)
    transition(request, "return", actor=loop.manager, note="补充")

    update_request(request, actor=loop.applicant, title="已补充", urgency="routine")

    request.refresh_from_db()
    assert request.title == "已补充"


def test_invalid_data_changes_nothing(loop):
    draft = loop.new()
    before = snapshot(draft)

    with pytest.raises(ValidationError) as refused:
        update_request(draft, actor=loop.applicant, title="  ", urgency="whenever")

    assert set(refused.value.message_dict) == {"title", "urgency"}
    assert snapshot(draft) == before


def test_others_may_not_change_it(loop, make_user, hospital_a, staff_b):
    draft = loop.new()
    before = snapshot(draft)
    colleague = make_user("staff", hospital=hospital_a)

    with pytest.raises(PermissionDenied):
        update_request(draft, actor=colleague, title="改", urgency="routine")
    with pytest.raises(Http404):
        update_request(draft, actor=staff_b, title="改", urgency="routine")
    assert snapshot(draft) == before


def test_a_submitted_request_may_not_be_changed(loop):
    request = loop.at(Status.SUBMITTED)
    before = snapshot(request)

    with pytest.raises(TransitionError, match="can no longer be changed"):
        update_request(request, actor=loop.applicant, title="改", urgency="routine")
    assert snapshot(request) == before


def test_editing_a_returned_request_does_not_move_its_deadline(loop, settings):
    settings.YILIAN_SLA_HOURS = {"wf_test.submit": 24}
    request = loop.at(Status.SUBMITTED)
    request = transition(request, "return", actor=loop.manager, note="补充")
    due = request.due_at
    assert due == request.reviewed_at + timedelta(hours=24)

    update_request(request, actor=loop.applicant, title="已补充", urgency="routine")

    request.refresh_from_db()
    assert request.due_at == due


def test_raising_the_urgency_of_a_returned_request_brings_its_deadline_forward(loop, settings):
    settings.YILIAN_SLA_HOURS = {"wf_test.submit": 24, "wf_test.submit.emergency": 2}
    request = loop.at(Status.SUBMITTED)
    request = transition(request, "return", actor=loop.manager, note="补充")

    update_request(request, actor=loop.applicant, title="急", urgency="emergency")

    request.refresh_from_db()
    assert request.due_at == request.reviewed_at + timedelta(hours=2)


def test_an_application_names_only_a_patient_of_the_applicants_hospital(
    loop, hospital_a, hospital_b, staff_b
):
    from yilian.patients.models import Patient
    from yilian.workflow.services import save_application

    ours = Patient.objects.create(hospital=hospital_a, name="甲院患者", created_by=loop.applicant)
    theirs = Patient.objects.create(hospital=hospital_b, name="乙院患者", created_by=staff_b)

    with pytest.raises(ValidationError) as refused:
        save_application(kind="wf_test", applicant=loop.applicant, title="会诊", patient=theirs)
    assert "patient" in refused.value.message_dict

    draft = save_application(kind="wf_test", applicant=loop.applicant, title="会诊", patient=ours)
    assert draft.patient == ours
    # Editing without naming the patient leaves them; naming None removes them.
    update_request(draft, actor=loop.applicant, title="会诊（补充）")
    draft.refresh_from_db()
    assert draft.patient == ours
    save_application(
        kind="wf_test", applicant=loop.applicant, title="会诊", instance=draft, patient=None
    )
    draft.refresh_from_db()
    assert draft.patient is None
