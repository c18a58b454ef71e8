"""Reading the trail: one patient's "who accessed this record", and the auditors' filters."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from yilian.accounts.roles import Role
from yilian.audit.models import AuditEntry
from yilian.audit.selectors import entries_for, entries_for_patient
from yilian.audit.services import record
from yilian.patients.models import Patient

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour))


def _entry(actor, action="view", *, at, patient=None, outcome="ok", object_type="x.y"):
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        patient=patient,
        outcome=outcome,
        at=at,
    )


@pytest.fixture
def auditor(make_user, lead_hospital):
    return make_user(Role.AUDITOR, hospital=lead_hospital, name="审计员")


def test_a_patients_entries_are_theirs_only_newest_first_with_who(
    patient_record, staff_a, expert, hospital_a, django_assert_num_queries
):
    other = Patient.objects.create(hospital=hospital_a, name="李某某", created_by=staff_a)
    first = record(None, action="view", patient=patient_record, actor=staff_a)
    record(None, action="view", patient=other, actor=staff_a)
    second = record(None, action="download", patient=patient_record, actor=expert)

    with django_assert_num_queries(1):
        rows = [
            (e, e.actor.name, e.actor.hospital.name) for e in entries_for_patient(patient_record)
        ]

    assert rows == [(second, "王专家", expert.hospital.name), (first, "赵医生", hospital_a.name)]


@pytest.mark.parametrize("role", [Role.STAFF, Role.MANAGER, Role.PLATFORM_ADMIN, Role.EXPERT])
def test_only_auditors_and_security_admins_read_the_trail(make_user, role, staff_a):
    record(None, action="view", actor=staff_a)

    assert list(entries_for(make_user(role))) == []
    assert entries_for(make_user(Role.SECURITY_ADMIN)).count() == 1
    assert entries_for(make_user(Role.AUDITOR)).count() == 1


def test_filters_narrow_the_trail(auditor, staff_a, staff_b, patient_record):
    a = _entry(staff_a, "view", at=_at(1), patient=patient_record, object_type="patients.patient")
    b = _entry(staff_b, "download", at=_at(2), outcome="denied", object_type="files.fileasset")
    c = _entry(staff_a, "export", at=_at(3, 23))

    def ids(**filters):
        return [e.pk for e in entries_for(auditor, **filters)]

    assert ids() == [c.pk, b.pk, a.pk]
    assert ids(who="赵") == [c.pk, a.pk]
    assert ids(who=staff_b.phone[-6:]) == [b.pk]
    assert ids(action="download") == [b.pk]
    assert ids(outcome="denied") == [b.pk]
    assert ids(object_type="patients.patient") == [a.pk]
    assert ids(date_from="2026-03-02") == [c.pk, b.pk]
    assert ids(date_to="2026-03-02") == [b.pk, a.pk]
    assert ids(date_from="2026-03-03", date_to="2026-03-03") == [c.pk]
    assert ids(patient=str(patient_record.public_id)) == [a.pk]
    assert ids(who="赵", action="view") == [a.pk]


@pytest.mark.parametrize(
    "filters",
    [
        {"action": "peek"},
        {"outcome": "maybe"},
        {"date_from": "yesterday"},
        {"date_to": "2026-02-31"},
        {"patient": "not-a-uuid"},
        {"patient": "王某某"},
    ],
)
def test_malformed_filters_match_nothing_rather_than_everything(auditor, staff_a, filters):
    _entry(staff_a, at=timezone.now() - timedelta(days=1))

    assert list(entries_for(auditor, **filters)) == []
