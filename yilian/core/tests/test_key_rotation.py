"""Field-key rotation: rows sealed with an old key stay readable and findable, and
``manage.py rotate_field_key`` moves them to the current key in resumable batches."""

from __future__ import annotations

import base64
import os
import threading
from io import StringIO

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from yilian.audit.models import AuditEntry, Outcome
from yilian.core import crypto
from yilian.core.keyrotation import count_stale, encrypted_models, rotate_batch
from yilian.patients.identity import check_digit
from yilian.patients.models import Patient
from yilian.patients.selectors import search_patients
from yilian.patients.services import register_patient

KEY_A = base64.b64encode(os.urandom(32)).decode()
KEY_B = base64.b64encode(os.urandom(32)).decode()


def national_id(n: int) -> str:
    first = f"330122198001{n % 28 + 1:02d}{n % 900 + 100:03d}"
    return first + check_digit(first)


def stored(patient: Patient) -> tuple[str, str, str, str, str]:
    """The columns as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT national_id, phone, address, national_id_hash, phone_hash"
            " FROM patients_patient WHERE id = %s",
            [patient.pk],
        )
        return cursor.fetchone()


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_field_key", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def under_a(settings, staff_a):
    """Five patients registered while key A was the only key."""
    settings.YILIAN_FIELD_KEY = KEY_A
    settings.YILIAN_FIELD_KEYS_OLD = []
    return [
        register_patient(
            actor=staff_a,
            name=f"患者{n}",
            national_id=national_id(n),
            phone=f"1391234560{n}",
            address=f"城南街道 {n} 号",
        )
        for n in range(5)
    ]


@pytest.fixture
def b_with_a_old(settings, under_a):
    settings.YILIAN_FIELD_KEY = KEY_B
    settings.YILIAN_FIELD_KEYS_OLD = [KEY_A]
    return under_a


def test_ciphertexts_name_their_key_by_a_fingerprint(settings):
    settings.YILIAN_FIELD_KEY = KEY_A
    settings.YILIAN_FIELD_KEYS_OLD = []
    sealed = crypto.encrypt("13912345678", context="x")
    key_a = crypto.current_key_id()
    assert sealed.startswith(f"v2:{key_a}:")
    assert crypto.key_id_of(sealed) == key_a
    assert KEY_A not in sealed and key_a not in KEY_A
    settings.YILIAN_FIELD_KEY = KEY_B
    assert crypto.current_key_id() != key_a
    with pytest.raises(ValueError, match=key_a):  # A is no longer configured
        crypto.decrypt(sealed, context="x")
    settings.YILIAN_FIELD_KEYS_OLD = [KEY_A]
    assert crypto.decrypt(sealed, context="x") == "13912345678"
    assert crypto.encrypt("13912345678", context="x").startswith(f"v2:{crypto.current_key_id()}:")


def test_the_first_format_without_a_key_id_is_still_read(settings):
    settings.YILIAN_FIELD_KEY = KEY_A
    settings.YILIAN_FIELD_KEYS_OLD = []
    key = crypto.keyring()[0]
    nonce = os.urandom(12)
    body = AESGCM(key.encryption).encrypt(nonce, "浙江省杭州市".encode(), b"ctx")
    legacy = "v1:" + base64.urlsafe_b64encode(nonce + body).decode()
    assert crypto.key_id_of(legacy) is None
    assert crypto.decrypt(legacy, context="ctx") == "浙江省杭州市"
    settings.YILIAN_FIELD_KEY = KEY_B
    settings.YILIAN_FIELD_KEYS_OLD = [KEY_A]
    assert crypto.decrypt(legacy, context="ctx") == "浙江省杭州市"  # tried key by key
    settings.YILIAN_FIELD_KEYS_OLD = []
    with pytest.raises(ValueError):
        crypto.decrypt(legacy, context="ctx")


def test_old_keys_are_read_from_a_file_too(monkeypatch, tmp_path):
    from yilian.core.env import env_secret_list

    secret = tmp_path / "old"
    secret.write_text(f"{KEY_A}\n{KEY_B}\n")
    monkeypatch.delenv("YILIAN_FIELD_KEYS_OLD", raising=False)
    monkeypatch.setenv("YILIAN_FIELD_KEYS_OLD_FILE", str(secret))
    assert env_secret_list("YILIAN_FIELD_KEYS_OLD") == [KEY_A, KEY_B]
    monkeypatch.delenv("YILIAN_FIELD_KEYS_OLD_FILE")
    monkeypatch.setenv("YILIAN_FIELD_KEYS_OLD", f"{KEY_A}, {KEY_B}")
    assert env_secret_list("YILIAN_FIELD_KEYS_OLD") == [KEY_A, KEY_B]


def test_a_malformed_old_key_is_named(settings):
    settings.YILIAN_FIELD_KEY = KEY_B
    settings.YILIAN_FIELD_KEYS_OLD = [base64.b64encode(b"short").decode()]
    with pytest.raises(ImproperlyConfigured, match="YILIAN_FIELD_KEYS_OLD"):
        crypto.keyring()


def test_encrypted_models_are_found_by_their_fields():
    assert Patient in encrypted_models()


def test_during_a_rotation_old_rows_read_and_are_found(b_with_a_old, staff_a):
    first = b_with_a_old[0]
    row = Patient.objects.get(pk=first.pk)
    assert (row.national_id, row.phone) == (national_id(0), "13912345600")
    assert row.address == "城南街道 0 号"
    assert list(search_patients(staff_a, national_id(0))) == [first]
    assert list(search_patients(staff_a, "13912345600")) == [first]
    # The same person cannot be registered again under the new key's hash.
    with pytest.raises(ValidationError) as refused:
        register_patient(actor=staff_a, name="重复", national_id=national_id(0))
    assert "national_id" in refused.value.message_dict


def test_the_command_moves_every_row_and_a_second_run_does_nothing(b_with_a_old, staff_a):
    before = {p.pk: stored(p) for p in b_with_a_old}
    assert "patients.Patient: 5 to re-encrypt" in rotate("--dry-run")
    assert {p.pk: stored(p) for p in b_with_a_old} == before  # a dry run changes nothing

    output = rotate("--batch-size", "2")
    assert "patients.Patient: 5 re-encrypted" in output
    assert "No row uses an old key" in output
    prefix = crypto.current_prefix()
    for patient in b_with_a_old:
        columns = stored(patient)
        assert all(value.startswith(prefix) for value in columns[:3])
        assert columns[3:] != before[patient.pk][3:]  # the hashes follow the key
    entry = AuditEntry.objects.get(object_type="patients.patient", path__contains="rotate")
    assert entry.outcome == Outcome.OK and entry.actor is None

    after = {p.pk: stored(p) for p in b_with_a_old}
    output = rotate()
    assert "re-encrypted" not in output and "No row uses an old key" in output
    assert {p.pk: stored(p) for p in b_with_a_old} == after
    assert AuditEntry.objects.filter(path__contains="rotate").count() == 1


def test_an_interrupted_rotation_resumes_and_then_the_old_key_can_go(
    settings, b_with_a_old, staff_a
):
    output = rotate("--batch-size", "2", "--max-batches", "1")
    assert "patients.Patient: 2 re-encrypted" in output
    assert "3 rows still use an old key" in output
    assert count_stale(Patient) == 3
    # Half-way, rows on either key are read and found.
    for n, patient in enumerate(b_with_a_old):
        assert Patient.objects.get(pk=patient.pk).phone == f"1391234560{n}"
        assert list(search_patients(staff_a, national_id(n))) == [patient]

    assert "No row uses an old key" in rotate("--batch-size", "2")
    assert count_stale(Patient) == 0

    settings.YILIAN_FIELD_KEYS_OLD = []
    for n, patient in enumerate(b_with_a_old):
        row = Patient.objects.get(pk=patient.pk)
        assert (row.national_id, row.address) == (national_id(n), f"城南街道 {n} 号")
        assert list(search_patients(staff_a, f"1391234560{n}")) == [patient]


def test_a_partly_rewritten_row_is_still_stale(b_with_a_old):
    patient = Patient.objects.get(pk=b_with_a_old[0].pk)
    patient.phone = "13700000000"
    patient.save(update_fields=["phone"])  # the application writes one column
    columns = stored(patient)
    assert columns[1].startswith(crypto.current_prefix())
    assert not columns[0].startswith(crypto.current_prefix())
    assert count_stale(Patient) == 5


def test_rows_no_key_opens_are_reported_not_changed(settings, b_with_a_old):
    settings.YILIAN_FIELD_KEYS_OLD = []  # key A lost before the rotation
    before = stored(b_with_a_old[0])
    with pytest.raises(CommandError, match="5 rows could not be decrypted"):
        rotate()
    assert stored(b_with_a_old[0]) == before
    assert AuditEntry.objects.filter(outcome=Outcome.FAILED, path__contains="rotate").exists()


@pytest.mark.skipif(
    not connection.features.has_select_for_update_skip_locked,
    reason="row locks: PostgreSQL",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_skips_rows_the_application_holds(settings, staff_a):
    settings.YILIAN_FIELD_KEY = KEY_A
    settings.YILIAN_FIELD_KEYS_OLD = []
    patients = [
        register_patient(actor=staff_a, name=f"患者{n}", national_id=national_id(n))
        for n in range(3)
    ]
    settings.YILIAN_FIELD_KEY = KEY_B
    settings.YILIAN_FIELD_KEYS_OLD = [KEY_A]
    held, release = threading.Event(), threading.Event()

    def hold_first_row() -> None:
        try:
            with transaction.atomic():
                Patient.objects.select_for_update().get(pk=patients[0].pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_first_row)
    holder.start()
    try:
        assert held.wait(timeout=30)
        result = rotate_batch(Patient, batch_size=10)
    finally:
        release.set()
        holder.join()
    assert result.rotated == 2
    assert count_stale(Patient) == 1
    assert not stored(patients[0])[0].startswith(crypto.current_prefix())
    assert rotate_batch(Patient, batch_size=10).rotated == 1
