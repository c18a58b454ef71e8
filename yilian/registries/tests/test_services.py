"""Reporting cases and discharges: the diagnosis must be the registry's, answers are
checked against the form, a submitted case's changes are kept, stale forms are refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yilian.analytics.models import ActivityEvent

from ..models import Case, CaseRevision, CaseStatus, DischargeCount
from ..services import (
    ACTIVITY_KIND,
    CaseData,
    CaseInvalid,
    create_case,
    delete_draft,
    set_discharge_count,
    update_case,
)
from .conftest import stemi_answers

pytestmark = pytest.mark.django_db
ADMITTED = date(2025, 3, 9)


def _data(patient, **changes):
    values = {
        "patient": patient,
        "diagnosis_code": "I21.1",
        "admission_date": ADMITTED,
        "discharge_date": ADMITTED + timedelta(days=6),
        "answers": stemi_answers(ADMITTED),
    }
    return CaseData(**{**values, **changes})


def test_a_submitted_case_is_counted_in_analytics(
    stemi, staff_a, patient_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=True)

    assert case.status == CaseStatus.SUBMITTED and case.submitted_at is not None
    assert case.hospital == staff_a.hospital and case.diagnosis_code == "I21.1"
    event = ActivityEvent.objects.get(kind=ACTIVITY_KIND)
    assert (event.action, event.user, event.hospital) == ("submit", staff_a, staff_a.hospital)


def test_a_draft_is_not_counted_and_may_leave_the_form_incomplete(
    stemi, staff_a, patient_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = create_case(
            actor=staff_a,
            registry=stemi,
            data=_data(patient_a, discharge_date=None, answers={"statin": "yes"}),
            submit=False,
        )

    assert case.status == CaseStatus.DRAFT and case.answers == {"statin": True}
    assert not ActivityEvent.objects.filter(kind=ACTIVITY_KIND).exists()


def test_each_wrong_field_gets_its_own_message(stemi, staff_a, patient_a):
    answers = {**stemi_answers(ADMITTED), "lvef": "120", "reperfusion": "搭桥"}
    del answers["statin"]
    bad = _data(
        patient_a,
        diagnosis_code="I25.1",
        discharge_date=ADMITTED - timedelta(days=1),
        answers=answers,
    )

    with pytest.raises(CaseInvalid) as caught:
        create_case(actor=staff_a, registry=stemi, data=bad, submit=True)

    assert caught.value.message_dict == {
        "diagnosis_code": ["I25.1 is not a diagnosis of this registry (I21.*)."],
        "discharge_date": ["The discharge date is before the admission date."],
        "answers.lvef": ["Enter a number of at most 90."],
        "answers.reperfusion": ["Choose one of the options."],
        "answers.statin": ["This field is required."],
    }
    assert not Case.objects.exists()


def test_a_patient_of_another_hospital_cannot_be_reported(stemi, staff_a, patient_b):
    with pytest.raises(CaseInvalid) as caught:
        create_case(actor=staff_a, registry=stemi, data=_data(patient_b), submit=False)

    assert "patient" in caught.value.message_dict
    assert not Case.objects.exists()


def test_the_same_admission_is_reported_once(stemi, staff_a, patient_a):
    create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=False)

    with pytest.raises(CaseInvalid) as caught:
        create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=True)

    assert "already reported" in caught.value.message_dict["admission_date"][0]
    assert Case.objects.count() == 1


def test_only_hospital_staff_report(stemi, manager, patient_a):
    with pytest.raises(PermissionDenied):
        create_case(actor=manager, registry=stemi, data=_data(patient_a), submit=True)


def test_changing_a_submitted_case_keeps_a_revision(stemi, staff_a, hospital_admin_a, patient_a):
    case = create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=True)
    answers = {**case.answers, "statin": False}

    changed = update_case(
        case,
        actor=hospital_admin_a,
        data=_data(patient_a, diagnosis_code="I21.2", answers=answers),
        expected_version=case.version,
        submit=False,
    )

    assert changed.status == CaseStatus.SUBMITTED
    assert changed.answers["statin"] is False and changed.version == case.version + 1
    revision = CaseRevision.objects.get(case=case)
    assert revision.actor == hospital_admin_a
    assert revision.changes == {
        "diagnosis_code": ["I21.1", "I21.2"],
        "answers.statin": [True, False],
    }


def test_a_submitted_case_stays_complete(stemi, staff_a, patient_a):
    case = create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=True)
    answers = dict(case.answers)
    del answers["statin"]

    with pytest.raises(CaseInvalid) as caught:
        update_case(
            case,
            actor=staff_a,
            data=_data(patient_a, answers=answers),
            expected_version=1,
            submit=False,
        )

    assert caught.value.message_dict == {"answers.statin": ["This field is required."]}
    case.refresh_from_db()
    assert case.answers["statin"] is True and not CaseRevision.objects.exists()


def test_a_stale_form_does_not_overwrite_a_newer_save(stemi, staff_a, patient_a):
    case = create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=False)
    update_case(
        case,
        actor=staff_a,
        data=_data(patient_a, answers={"statin": "no"}),
        expected_version=1,
        submit=False,
    )

    with pytest.raises(CaseInvalid, match="Someone else saved"):
        update_case(
            case,
            actor=staff_a,
            data=_data(patient_a, answers={"statin": "yes"}),
            expected_version=1,
            submit=False,
        )

    case.refresh_from_db()
    assert case.answers == {"statin": False} and case.version == 2


def test_submitting_a_draft_later(stemi, staff_a, patient_a, django_capture_on_commit_callbacks):
    case = create_case(
        actor=staff_a, registry=stemi, data=_data(patient_a, answers={}), submit=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        submitted = update_case(
            case, actor=staff_a, data=_data(patient_a), expected_version=1, submit=True
        )

    assert submitted.status == CaseStatus.SUBMITTED
    assert not CaseRevision.objects.exists()  # filling in a draft is not a correction
    assert ActivityEvent.objects.filter(kind=ACTIVITY_KIND, action="submit").count() == 1


def test_drafts_may_be_deleted_submitted_cases_may_not(stemi, staff_a, staff_b, patient_a):
    draft = create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=False)
    with pytest.raises(PermissionDenied):
        delete_draft(draft, actor=staff_b)
    delete_draft(draft, actor=staff_a)
    assert not Case.objects.exists()

    case = create_case(actor=staff_a, registry=stemi, data=_data(patient_a), submit=True)
    with pytest.raises(ValidationError):
        delete_draft(case, actor=staff_a)
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_discharge_count_is_one_row_per_hospital_registry_and_month(
    stemi, staff_a, hospital_admin_a
):
    set_discharge_count(actor=staff_a, registry=stemi, month=date(2025, 3, 17), count=12)
    row = set_discharge_count(
        actor=hospital_admin_a, registry=stemi, month=date(2025, 3, 1), count=14
    )

    assert DischargeCount.objects.get() == row
    assert (row.month, row.count, row.entered_by) == (date(2025, 3, 1), 14, hospital_admin_a)
    with pytest.raises(ValidationError):
        set_discharge_count(actor=staff_a, registry=stemi, month=date(2999, 1, 1), count=1)
