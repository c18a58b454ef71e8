"""The script-injection probe covers every free-text field of every model: each one is
probed or exempted with a reason, and what it writes is what the field stores."""

from __future__ import annotations

import pytest
from django.db import connection

from yilian.orgs.models import Department
from yilian.orgs.tests.factories import DepartmentFactory
from yilian.patients.models import Patient
from yilian.patients.services import register_patient
from yilian.security import xss_probe


def _label(field) -> str:
    return f"{field.model._meta.label}.{field.name}"


def test_every_free_text_field_is_probed_or_exempted_with_a_reason():
    unreviewed = []
    for model in xss_probe.project_models():
        filled = {f.name for f in xss_probe.filled_fields(model)}
        for field in xss_probe.text_fields(model):
            label = _label(field)
            reason = xss_probe.rule_exemption(field) or xss_probe.EXEMPT.get(label)
            if field.name not in filled and not reason:
                unreviewed.append(label)
    assert unreviewed == [], (
        "new free-text fields: add them to FILLED or EXEMPT in yilian/security/xss_probe.py"
    )


def test_the_lists_name_only_existing_free_text_fields_and_never_both():
    text = {_label(f) for m in xss_probe.project_models() for f in xss_probe.text_fields(m)}
    filled = {
        f"{model}.{name}" for model, names in xss_probe.FILLED.items() for name in names.split()
    }
    assert filled - text == set()
    assert set(xss_probe.EXEMPT) - text == set()
    assert set(xss_probe.URL_FIELDS) <= filled
    assert set(xss_probe.JSON_KEPT_KEYS) <= filled
    assert filled & set(xss_probe.EXEMPT) == set()
    # A field a rule exempts (a digest, a validated format) is never probed as well.
    rule_exempt = {
        _label(f)
        for m in xss_probe.project_models()
        for f in xss_probe.text_fields(m)
        if xss_probe.rule_exemption(f)
    }
    assert filled & rule_exempt == set()
    assert set(xss_probe.EXEMPT) & rule_exempt == set()


def test_every_probe_carries_the_marker_and_fits_its_field():
    for model in xss_probe.project_models():
        for salt, field in enumerate(xss_probe.filled_fields(model)):
            value = xss_probe.payload(field, salt, suffix="#123")
            if value is None:
                continue
            assert xss_probe.MARKER in value, _label(field)
            assert field.max_length is None or len(value) <= field.max_length, _label(field)


def test_json_probes_replace_text_and_keep_keys_and_numbers():
    value = {"key": "bp", "label": "血压", "choices": ["高", "低"], "max": 3, "type": "number"}
    probed = xss_probe.json_payload(value, 0)
    assert probed["key"] == "bp" and probed["type"] == "number" and probed["max"] == 3
    assert xss_probe.MARKER in probed["label"]
    assert all(xss_probe.MARKER in c for c in probed["choices"])


@pytest.mark.django_db
def test_fill_writes_probes_through_the_field_classes(hospital_a, staff_a):
    other = DepartmentFactory(hospital=hospital_a, name="外科")
    DepartmentFactory(hospital=hospital_a, name="内科")
    patient = register_patient(
        actor=staff_a, name="王五", medical_record_number="MRN-1", address="杭州市上城区"
    )

    written = xss_probe.fill()

    # Names unique within a hospital still differ: each carries its row's pk.
    other.refresh_from_db()
    assert xss_probe.MARKER in other.name and other.name.endswith(f"#{other.pk}")
    assert written["orgs.Department.name"] == Department.objects.count()
    # The encrypted identifier is stored encrypted and reads back as the probe.
    patient.refresh_from_db()
    assert xss_probe.MARKER in patient.address
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM patients_patient WHERE id = %s", [patient.pk])
        (stored,) = cursor.fetchone()
    assert xss_probe.MARKER not in stored
    assert written["patients.Patient.address"] == Patient.objects.count()
