"""Audit entries cannot be changed or removed: not by the model, not by a queryset, not by
raw SQL (triggers in the database), while emptying the whole database still works."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from yilian.audit.models import AuditEntry
from yilian.audit.services import record

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list) -> None:
    # Its own savepoint: PostgreSQL refuses every later statement of a failed transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_bulk_update_and_delete_through_the_orm_are_refused(staff_a):
    entry = record(None, action="view", actor=staff_a)

    with pytest.raises(ValueError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(action="create")
    with pytest.raises(ValueError, match="append-only"):
        AuditEntry.objects.update(outcome="denied")
    entry.outcome = "denied"
    with pytest.raises(ValueError, match="append-only"), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["outcome"])
    with pytest.raises(ValueError, match="cannot be deleted"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ValueError, match="cannot be deleted"):
        AuditEntry.objects.all().delete()

    assert list(AuditEntry.objects.values_list("action", "outcome")) == [("view", "ok")]


def test_the_database_refuses_raw_updates(staff_a):
    assert AuditEntry._meta.db_table == "audit_auditentry"  # the table the SQL below names
    entry = record(None, action="view", actor=staff_a)

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditentry SET outcome = %s WHERE id = %s", ["denied", entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).outcome == "ok"


def test_the_database_refuses_raw_deletes(staff_a):
    entry = record(None, action="view", actor=staff_a)

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry", [])

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_still_takes_new_entries(staff_a):
    record(None, action="view", actor=staff_a)
    record(None, action="download", actor=staff_a, outcome="denied")

    assert AuditEntry.objects.count() == 2


# Real commits: the flush runs as it does between transactional tests and in `manage.py flush`.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flushing_the_whole_database_empties_the_trail_and_keeps_the_guard(make_user):
    user = make_user()
    record(None, action="view", actor=user)

    call_command("flush", interactive=False, verbosity=0)

    assert AuditEntry.objects.count() == 0
    user = make_user()
    entry = record(None, action="view", actor=user)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
