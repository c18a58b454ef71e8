"""Registering and changing patients: GB 11643, agreement of birth date and sex with the
national ID, one record per person in a hospital, and who may write."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yilian.patients.models import Patient
from yilian.patients.services import register_patient, update_patient

from .conftest import make_id

pytestmark = pytest.mark.django_db

MALE_1960 = make_id(born=date(1960, 5, 17), order="123")  # order digit 3: male


def test_birth_date_and_sex_are_read_from_the_national_id_when_left_empty(staff_a):
    patient = register_patient(
        actor=staff_a, name=" 王某某 ", national_id=MALE_1960.lower(), phone="139 1234 5678"
    )

    patient.refresh_from_db()
    assert (patient.name, patient.birth_date, patient.sex) == ("王某某", date(1960, 5, 17), "male")
    assert patient.national_id == MALE_1960
    assert patient.phone == "13912345678"
    assert patient.hospital == staff_a.hospital
    assert patient.created_by == staff_a


def test_birth_date_and_sex_must_agree_with_the_national_id(staff_a):
    with pytest.raises(ValidationError) as refused:
        register_patient(
            actor=staff_a,
            name="王某某",
            national_id=MALE_1960,
            birth_date=date(1961, 5, 17),
            sex="female",
        )
    errors = refused.value.message_dict
    assert errors["birth_date"] == ["The national ID says this patient was born on 1960-05-17."]
    assert errors["sex"] == ["The national ID says this patient is male."]
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        ({"national_id": MALE_1960[:-1] + "0"}, "national_id", "check digit is wrong"),
        ({"national_id": "12345"}, "national_id", "18 characters"),
        ({"medical_record_number": "M1", "phone": "12345"}, "phone", "11-digit mobile"),
        ({"medical_record_number": "", "national_id": ""}, "national_id", "at least one"),
        ({"name": "  ", "medical_record_number": "M1"}, "name", "Give the patient's name"),
        (
            {"medical_record_number": "M1", "birth_date": date(2999, 1, 1)},
            "birth_date",
            "in the future",
        ),
    ],
)
def test_bad_input_is_refused_with_the_reason_next_to_the_field(staff_a, fields, key, message):
    values = {"name": "王某某"} | fields
    with pytest.raises(ValidationError) as refused:
        register_patient(actor=staff_a, **values)
    assert message in " ".join(refused.value.message_dict[key])
    assert not Patient.objects.exists()


def test_a_medical_record_number_alone_is_enough(staff_a):
    patient = register_patient(actor=staff_a, name="无证患者", medical_record_number="M-77")
    assert (patient.national_id, patient.sex, patient.birth_date) == ("", "unknown", None)


def test_the_same_person_twice_in_a_hospital_is_refused_naming_the_first(register, staff_a):
    first = register(name="王某某", national_id=MALE_1960, medical_record_number="MRN-1")

    with pytest.raises(ValidationError) as same_id:
        register(name="王某", national_id=MALE_1960)
    [message] = same_id.value.message_dict["national_id"]
    assert "already has a patient with this national ID" in message
    assert f'href="/patients/{first.public_id}/"' in message and "王某某" in message

    with pytest.raises(ValidationError) as same_mrn:
        register(name="李某", medical_record_number="MRN-1", national_id="")
    assert "this medical record number" in same_mrn.value.message_dict["medical_record_number"][0]
    assert Patient.objects.count() == 1


def test_another_hospital_may_register_the_same_person(register, staff_b):
    register(national_id=MALE_1960, medical_record_number="MRN-1")
    other = register(actor=staff_b, national_id=MALE_1960, medical_record_number="MRN-1")
    assert other.hospital == staff_b.hospital
    assert Patient.objects.count() == 2


def test_only_staff_and_hospital_admins_with_a_hospital_register(
    expert, manager, platform_admin, hospital_admin_a, pending_staff_a, patient
):
    for outsider in (expert, manager, platform_admin, pending_staff_a, patient):
        with pytest.raises(PermissionDenied):
            register_patient(actor=outsider, name="王某某", medical_record_number="M1")
    assert not Patient.objects.exists()
    assert register_patient(actor=hospital_admin_a, name="王某某", medical_record_number="M1")


def test_update_runs_the_same_checks_and_ignores_the_record_itself(register, staff_a):
    patient = register(national_id=MALE_1960, medical_record_number="MRN-1", phone="13912345678")
    other = register(name="李某", national_id="", medical_record_number="MRN-2")

    updated = update_patient(
        patient,
        actor=staff_a,
        name="王某某",
        national_id=MALE_1960,
        medical_record_number="MRN-1",
        phone="13800001111",
        address="新地址",
    )
    fresh = Patient.objects.get(pk=patient.pk)
    assert updated.phone == fresh.phone == "13800001111"
    assert fresh.address == "新地址"
    assert fresh.phone_hash and fresh.phone_hash != patient.phone_hash

    with pytest.raises(ValidationError) as refused:
        update_patient(other, actor=staff_a, name="李某", medical_record_number="MRN-1")
    assert "medical_record_number" in refused.value.message_dict
    with pytest.raises(ValidationError):
        update_patient(patient, actor=staff_a, name="王某某", national_id=MALE_1960, sex="female")
    assert Patient.objects.get(pk=other.pk).medical_record_number == "MRN-2"
    assert Patient.objects.get(pk=patient.pk).sex == "male"


def test_only_the_patients_hospital_changes_the_record(register, staff_b, hospital_admin_a):
    patient = register(medical_record_number="MRN-1", national_id="")
    with pytest.raises(PermissionDenied):
        update_patient(patient, actor=staff_b, name="改名", medical_record_number="MRN-1")
    assert Patient.objects.get(pk=patient.pk).name == "王某某"
    update_patient(patient, actor=hospital_admin_a, name="改名", medical_record_number="MRN-1")
    assert Patient.objects.get(pk=patient.pk).name == "改名"
