"""The patients part of the demo seeder: valid fictional patients at the demo staff
member's hospital; a second run creates nothing."""

from __future__ import annotations

from datetime import date

import pytest

from yilian.orgs import demo
from yilian.patients.demo import DEMO_PATIENTS, demo_national_id
from yilian.patients.identity import birth_date_of, sex_of, validate_national_id
from yilian.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_demo_patients_are_valid_fictional_and_seeded_once():
    first = demo.run_seed("small")

    assert first.created["patients"] == len(DEMO_PATIENTS)
    staff = next(d for d in demo.DEMO_LOGINS if d.role == "staff")
    # Later steps (the disease registries) register patients of their own: these are the
    # patients step's, by their record numbers.
    mrns = [row[5] for row in DEMO_PATIENTS]
    patients = Patient.objects.filter(medical_record_number__in=mrns)
    assert patients.count() == len(DEMO_PATIENTS)
    assert {p.created_by.phone for p in patients} == {staff.phone}
    assert {p.hospital.name for p in patients} == {staff.hospital}
    for p in patients:
        assert "演示" in p.name
        assert validate_national_id(p.national_id) == p.national_id
        assert (birth_date_of(p.national_id), sex_of(p.national_id)) == (p.birth_date, p.sex)

    second = demo.run_seed("small")
    assert second.created["patients"] == 0
    assert Patient.objects.filter(medical_record_number__in=mrns).count() == len(DEMO_PATIENTS)


def test_the_order_digit_follows_the_sex():
    assert sex_of(demo_national_id("330122", date(1990, 1, 1), 12, "male")) == "male"
    assert sex_of(demo_national_id("330122", date(1990, 1, 1), 11, "female")) == "female"
