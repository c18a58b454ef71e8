"""GB 11643 national IDs, phone numbers, masking and the encrypted columns."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from yilian.core.crypto import decrypt, encrypt, lookup_hash
from yilian.core.masking import mask_national_id, mask_phone
from yilian.patients.identity import (
    birth_date_of,
    check_digit,
    sex_of,
    validate_national_id,
    validate_phone,
)
from yilian.patients.models import Patient, national_id_hash

# The examples printed in GB 11643-1999 itself.
VALID_ID = "11010519491231002X"


def test_the_check_digit_follows_gb_11643():
    assert check_digit(VALID_ID[:17]) == "X"
    assert check_digit("44052418800101001") == "4"  # the standard's own example
    assert validate_national_id(" 11010519491231002x ") == VALID_ID
    assert birth_date_of(VALID_ID) == date(1949, 12, 31)
    assert sex_of(VALID_ID) == "female"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "check"),  # one digit off
        ("11010519491231002", "format"),  # 17 characters
        ("1101051949123100A2", "format"),
        ("110105194913310023", "date"),  # month 13
        ("110105299912310021", "date"),  # born in the future
    ],
)
def test_bad_national_ids_are_refused_with_the_reason(raw, code):
    with pytest.raises(ValidationError) as refused:
        validate_national_id(raw)
    assert refused.value.code == code


def test_phones_and_masks():
    assert validate_phone("138 0000-0001") == "13800000001"
    with pytest.raises(ValidationError):
        validate_phone("12800000001")
    assert mask_national_id(VALID_ID) == "1101**********002X"
    assert mask_phone("13800000001") == "138****0001"


def test_ciphertexts_are_bound_to_their_column_and_hashes_to_their_context():
    sealed = encrypt(VALID_ID, context="patients.patient.national_id")
    assert VALID_ID not in sealed
    assert decrypt(sealed, context="patients.patient.national_id") == VALID_ID
    with pytest.raises(Exception):  # noqa: B017 — a wrong context must not decrypt
        decrypt(sealed, context="patients.patient.phone")
    assert encrypt(VALID_ID, context="x") != encrypt(VALID_ID, context="x")  # random nonce
    assert lookup_hash(VALID_ID, context="a") == lookup_hash(VALID_ID, context="a")
    assert lookup_hash(VALID_ID, context="a") != lookup_hash(VALID_ID, context="b")


@pytest.mark.django_db
def test_the_table_holds_no_national_id_phone_or_address_in_clear(hospital_a, staff_a):
    patient = Patient.objects.create(
        hospital=hospital_a,
        name="王某某",
        national_id=VALID_ID,
        phone="13912345678",
        address="桐庐县城南街道 88 号",
        created_by=staff_a,
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id, phone, address, national_id_hash FROM patients_patient")
        [row] = cursor.fetchall()
    raw = " ".join(str(v) for v in row)
    for secret in (VALID_ID, "13912345678", "城南街道"):
        assert secret not in raw
    assert row[3] == national_id_hash(VALID_ID)
    fresh = Patient.objects.get(pk=patient.pk)
    assert (fresh.national_id, fresh.phone, fresh.address) == (
        VALID_ID,
        "13912345678",
        "桐庐县城南街道 88 号",
    )
    assert fresh.masked_national_id == "1101**********002X"


@pytest.mark.django_db
def test_one_record_per_national_id_within_a_hospital(hospital_a, hospital_b, staff_a):
    Patient.objects.create(hospital=hospital_a, name="甲", national_id=VALID_ID, created_by=staff_a)
    Patient.objects.create(hospital=hospital_b, name="甲", national_id=VALID_ID, created_by=staff_a)
    with pytest.raises(IntegrityError):
        Patient.objects.create(
            hospital=hospital_a, name="甲", national_id=VALID_ID, created_by=staff_a
        )
