"""Applying for a referral: validation, one open referral per patient, consent, routing
and the whole loop to closed with the summary."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import DepartmentFactory, HospitalFactory
from yilian.workflow.models import Opinion, Status
from yilian.workflow.services import transition

from ..models import Direction, Referral
from ..services import save_referral
from .conftest import up_data

pytestmark = pytest.mark.django_db


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


@pytest.mark.parametrize("code", ["I21", "I21.4", "C34.90", "s52.5", " J18.9 ", "U07.1"])
def test_icd10_codes_of_the_right_shape_are_accepted(refer, code):
    request = refer.draft(diagnosis_code=code)
    assert Referral.objects.get(request=request).diagnosis_code == code.strip().upper()


@pytest.mark.parametrize("code", ["", "I2", "121.4", "I21.", "I21.45678", "I21-4", "II21"])
def test_icd10_codes_of_the_wrong_shape_are_refused(refer, code):
    with pytest.raises(ValidationError) as exc:
        refer.draft(diagnosis_code=code)
    assert "diagnosis_code" in _errors(exc)
    assert not Referral.objects.exists()


def test_an_upward_referral_goes_to_a_higher_tier_or_the_lead_hospital(
    refer, hospital_b, city_hospital
):
    # hospital A is a county hospital: another county hospital is not "up".
    same_tier = DepartmentFactory(hospital=hospital_b, name="内科")
    with pytest.raises(ValidationError) as exc:
        refer.draft(target_hospital=hospital_b, target_department=same_tier)
    assert "higher tier or to the lead hospital" in _errors(exc)["target_hospital"][0]

    city_department = DepartmentFactory(hospital=city_hospital, name="心内科")
    request = refer.draft(target_hospital=city_hospital, target_department=city_department)
    assert request.referral.target_hospital == city_hospital


def test_a_downward_referral_goes_to_any_active_member(refer, hospital_b, make_user, lead_hospital):
    department = DepartmentFactory(hospital=hospital_b, name="康复科")
    request = refer.draft(
        direction=Direction.DOWN, target_hospital=hospital_b, target_department=department
    )
    assert request.referral.direction == Direction.DOWN

    suspended = HospitalFactory(alliance=lead_hospital.alliance, status=Hospital.Status.SUSPENDED)
    other = DepartmentFactory(hospital=suspended)
    with pytest.raises(ValidationError) as exc:
        refer.draft(direction=Direction.DOWN, target_hospital=suspended, target_department=other)
    assert "target_hospital" in _errors(exc)


def test_a_referral_cannot_go_to_the_own_hospital(refer, hospital_a, department_a):
    with pytest.raises(ValidationError) as exc:
        refer.draft(
            direction=Direction.DOWN, target_hospital=hospital_a, target_department=department_a
        )
    assert "target_hospital" in _errors(exc)


def test_the_department_belongs_to_the_receiving_hospital(refer, city_hospital, cardiology):
    with pytest.raises(ValidationError) as exc:
        refer.draft(target_hospital=city_hospital, target_department=cardiology)
    assert _errors(exc)["target_department"] == ["Choose a department of the receiving hospital."]


def test_only_patients_of_the_own_hospital(refer, hospital_b, staff_b):
    from yilian.patients.models import Patient

    stranger = Patient.objects.create(hospital=hospital_b, name="钱某某", created_by=staff_b)
    with pytest.raises(ValidationError) as exc:
        refer.draft(patient=stranger)
    assert "patient" in _errors(exc)


def test_a_second_open_referral_of_the_patient_is_refused_naming_the_first(refer):
    first = refer.draft()

    with pytest.raises(ValidationError) as exc:
        refer.draft(diagnosis_code="I50.9", diagnosis_text="心力衰竭")

    message = _errors(exc)["patient"][0]
    assert "already has an open referral" in message
    assert first.title in message
    assert "draft" in message
    assert Referral.objects.count() == 1


def test_editing_the_open_referral_itself_is_not_a_second_one(refer):
    first = refer.draft()
    again = save_referral(
        applicant=refer.applicant,
        data=up_data(refer.patient, refer.department, diagnosis_text="急性心肌梗死"),
        instance=first,
    )
    assert again.pk == first.pk
    assert Referral.objects.get(request=first).diagnosis_text == "急性心肌梗死"


def test_after_the_first_is_withdrawn_the_patient_may_be_referred_again(refer):
    first = refer.draft()
    transition(first, "withdraw", actor=refer.applicant)

    second = refer.draft()

    assert second.pk != first.pk
    assert Referral.objects.count() == 2


def test_submitting_without_consent_is_refused(refer):
    request = refer.draft()

    with pytest.raises(ValidationError) as exc:
        transition(request, "submit", actor=refer.applicant)

    assert "informed consent is missing" in " ".join(exc.value.messages)
    request.refresh_from_db()
    assert request.status == Status.DRAFT


def test_routing_prefers_the_receiving_departments_specialty(refer, other_referral_team):
    request = transition(refer.submitted(), "approve", actor=refer.manager)

    assert request.status == Status.DISPATCHED
    assert request.team.name == "心内科转诊组"


def test_routing_falls_back_to_a_team_of_the_receiving_hospital(
    refer, other_referral_team, lead_hospital
):
    surgery = DepartmentFactory(hospital=lead_hospital, name="普外科", specialty="general_surgery")
    request = transition(refer.submitted(target_department=surgery), "approve", actor=refer.manager)
    assert request.team == other_referral_team


def test_the_whole_loop_to_closed_with_the_summary(refer):
    request = refer.confirmed()
    # No session to publish: the booking goes straight on to "published".
    assert request.status == Status.PUBLISHED
    assert request.form == "on_site"
    assert request.contact.startswith("心内科 住院总")
    assert request.scheduled_start is not None

    request = transition(request, "start", actor=refer.receiver)
    assert request.status == Status.IN_PROGRESS
    assert request.started_at is not None

    request = transition(
        request,
        "complete",
        actor=refer.receiver,
        body="出院小结：PCI 术后，双抗 12 个月，2 周后回当地复查。",
    )
    assert request.status == Status.COMPLETED
    summary = Opinion.objects.get(request=request, is_conclusion=True)
    assert summary.body.startswith("出院小结")
    assert summary.author == refer.receiver

    request = transition(
        request, "feedback", actor=refer.applicant, satisfaction=5, timeliness=5, quality=5
    )
    request = transition(
        request, "close", actor=refer.manager, checklist={"summary": True}, score=95
    )
    assert request.status == Status.CLOSED

    # Closed: the patient may be referred again.
    assert refer.draft().pk != request.pk
