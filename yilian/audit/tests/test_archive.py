"""Retention and archival: the database refuses every change to the trail except the removal
of an entry older than 183 days that a recorded archive holds; ``archive_audit`` moves
exactly the entries past the retention into a checked file, and can be run again safely."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from yilian.accounts.roles import Role
from yilian.audit import archiving
from yilian.audit.checks import audit_retention_is_long_enough
from yilian.audit.models import AuditArchive, AuditEntry
from yilian.audit.services import record


def _raw(sql: str, params: list) -> int:
    # Its own savepoint: PostgreSQL refuses every later statement of a failed transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _entry(actor, days_ago: float, **fields) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=fields.pop("action", "view"),
        object_type=fields.pop("object_type", "patients.patient"),
        outcome="ok",
        at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def _ledger(first: AuditEntry, last: AuditEntry, *, period_end=None) -> AuditArchive:
    return AuditArchive.objects.create(
        first_id=first.pk,
        last_id=last.pk,
        period_start=first.at,
        period_end=period_end or timezone.now() + timedelta(days=1),
        entries=1,
        file_name=f"yilian-audit-test-{first.pk}.jsonl.gz",
        sha256="0" * 64,
        size=1,
    )


# --- what the database itself allows ----------------------------------------------------


@pytest.mark.django_db
def test_update_is_refused_even_for_an_old_archived_entry(staff_a):
    old = _entry(staff_a, 400)
    _ledger(old, old)

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditentry SET outcome = %s WHERE id = %s", ["denied", old.pk])

    assert AuditEntry.objects.get(pk=old.pk).outcome == "ok"


@pytest.mark.django_db
def test_delete_of_a_recent_entry_is_refused_even_when_an_archive_covers_it(staff_a):
    recent = _entry(staff_a, 100)
    _ledger(recent, recent)

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [recent.pk])

    assert AuditEntry.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_delete_of_an_old_entry_that_no_archive_covers_is_refused(staff_a):
    old = _entry(staff_a, 400)
    other = _entry(staff_a, 400)
    _ledger(other, other)  # covers another id only

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry", [])

    assert AuditEntry.objects.filter(pk__in=[old.pk, other.pk]).count() == 2


@pytest.mark.django_db
def test_delete_of_an_old_entry_made_after_the_archives_period_is_refused(staff_a):
    old = _entry(staff_a, 300)
    _ledger(old, old, period_end=old.at - timedelta(days=1))

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])


@pytest.mark.django_db
def test_delete_of_an_old_archived_entry_goes_through(staff_a):
    old = _entry(staff_a, 184)
    _ledger(old, old)

    assert _raw("DELETE FROM audit_auditentry WHERE id = %s", [old.pk]) == 1

    assert not AuditEntry.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_the_archive_ledger_refuses_update_and_delete(staff_a):
    old = _entry(staff_a, 400)
    archive = _ledger(old, old)

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditarchive SET last_id = %s WHERE id = %s", [10**9, archive.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditarchive WHERE id = %s", [archive.pk])
    with pytest.raises(ValueError, match="append-only"):
        AuditArchive.objects.filter(pk=archive.pk).update(last_id=10**9)
    with pytest.raises(ValueError, match="cannot be deleted"):
        archive.delete()

    assert AuditArchive.objects.get(pk=archive.pk).last_id == old.pk


# --- the retention setting ----------------------------------------------------------------


@pytest.mark.parametrize(("days", "errors"), [(182, 1), (30, 1), (183, 0), (365, 0)])
def test_a_retention_under_six_months_is_refused_by_the_system_check(settings, days, errors):
    settings.YILIAN_AUDIT_RETENTION_DAYS = days

    found = audit_retention_is_long_enough()

    assert [e.id for e in found] == ["audit.E001"] * errors


# --- archive_audit ------------------------------------------------------------------------


@pytest.fixture
def archive_dir(settings, tmp_path) -> Path:
    settings.YILIAN_AUDIT_ARCHIVE_DIR = tmp_path / "audit-archives"
    settings.YILIAN_AUDIT_RETENTION_DAYS = 365
    return settings.YILIAN_AUDIT_ARCHIVE_DIR


def _lines(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _run(**options) -> str:
    out = StringIO()
    call_command("archive_audit", stdout=out, **options)
    return out.getvalue()


# Real commits: the command commits its ledger row before it removes entries.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@transactional
def test_archive_moves_exactly_the_entries_past_the_retention(archive_dir, staff_a, patient_record):
    oldest = _entry(staff_a, 500, patient=patient_record, object_id="abc")
    old = _entry(None, 366, action="download", ip_address="10.0.0.7", path="/p/")
    kept = [_entry(staff_a, 300), _entry(staff_a, 200), record(None, action="view")]
    expected = list(AuditEntry.objects.filter(pk__in=[oldest.pk, old.pk]).order_by("id").values())

    output = _run()

    archive = AuditArchive.objects.get()
    assert (archive.first_id, archive.last_id, archive.entries) == (oldest.pk, old.pk, 2)
    assert archive.period_end == archiving.cutoff()
    path = archive_dir / archive.file_name
    assert archive.file_name in output
    # The file is the rows, one a line, in id order.
    lines = _lines(path)
    assert [line["id"] for line in lines] == [row["id"] for row in expected]
    for line, row in zip(lines, expected, strict=True):
        assert line["at"] == row["at"].isoformat()
        for column in ("actor_id", "action", "object_type", "object_id", "outcome", "path"):
            assert line[column] == row[column]
        assert line["patient_id"] == row["patient_id"]
        assert line["ip_address"] == row["ip_address"]
    assert lines[0]["patient_public_id"] == str(patient_record.public_id)
    assert lines[0]["actor_public_id"] == str(staff_a.public_id)
    # The checksum beside the file and in the ledger is the file's.
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    checksum = (archive_dir / f"{archive.file_name}.sha256").read_text()
    assert checksum == f"{digest}  {archive.file_name}\n"
    assert archive.sha256 == digest and archive.size == path.stat().st_size
    # Gone from the table, the rest kept, and the run itself recorded.
    assert not AuditEntry.objects.filter(pk__in=[oldest.pk, old.pk]).exists()
    assert set(
        AuditEntry.objects.filter(pk__in=[k.pk for k in kept]).values_list("pk", flat=True)
    ) == {k.pk for k in kept}
    mark = AuditEntry.objects.get(action="archive")
    assert (mark.object_type, mark.object_id) == ("audit.auditarchive", str(archive.public_id))


@transactional
def test_a_second_run_changes_nothing(archive_dir, staff_a):
    _entry(staff_a, 400)
    _run()
    files = sorted(p.name for p in archive_dir.iterdir())
    entries = AuditEntry.objects.count()

    output = _run()

    assert "left to archive" in output
    assert AuditArchive.objects.count() == 1
    assert AuditEntry.objects.count() == entries
    assert sorted(p.name for p in archive_dir.iterdir()) == files


@transactional
def test_a_shorter_retention_archives_the_next_entries_in_a_new_file(
    archive_dir, settings, staff_a
):
    first = _entry(staff_a, 400)
    second = _entry(staff_a, 200)
    _run()
    settings.YILIAN_AUDIT_RETENTION_DAYS = 183

    _run()

    archives = list(AuditArchive.objects.order_by("id"))
    assert [(a.first_id, a.last_id) for a in archives] == [
        (first.pk, first.pk),
        (second.pk, second.pk),
    ]
    assert not AuditEntry.objects.filter(pk__in=[first.pk, second.pk]).exists()


@transactional
def test_an_interrupted_run_is_finished_without_loss_or_duplicates(
    archive_dir, staff_a, monkeypatch
):
    old = [_entry(staff_a, 400 + i) for i in range(5)]
    real_delete = archiving._delete
    calls = []

    def crash_after_first_batch(ids):
        calls.append(ids)
        if len(calls) > 1:
            raise RuntimeError("power cut")
        return real_delete(ids)

    monkeypatch.setattr(archiving, "_delete", crash_after_first_batch)
    with pytest.raises(RuntimeError):
        _run(batch_size=2)
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in old]).count() == 3
    monkeypatch.setattr(archiving, "_delete", real_delete)

    output = _run(batch_size=2)

    archive = AuditArchive.objects.get()
    assert "finished removing" in output
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert [line["id"] for line in _lines(archive_dir / archive.file_name)] == sorted(
        e.pk for e in old
    )


@transactional
def test_a_file_left_by_a_run_stopped_before_recording_is_replaced(archive_dir, staff_a):
    entry = _entry(staff_a, 400)
    archive_dir.mkdir(parents=True)
    stray = archive_dir / "yilian-audit-20250101-20251126-1-1.jsonl.gz.partial"
    stray.write_bytes(b"half")

    output = _run()

    assert "discarded" in output and not stray.exists()
    archive = AuditArchive.objects.get()
    assert [line["id"] for line in _lines(archive_dir / archive.file_name)] == [entry.pk]


@transactional
def test_a_damaged_archive_is_not_used_to_remove_entries(archive_dir, staff_a, monkeypatch):
    entry = _entry(staff_a, 400)
    monkeypatch.setattr(archiving, "_delete", lambda ids: 0)  # stops before removing
    _run()
    monkeypatch.undo()
    archive = AuditArchive.objects.get()
    (archive_dir / archive.file_name).write_bytes(b"tampered")

    with pytest.raises(Exception, match="checksum"):
        _run()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_archiving_refuses_to_run_inside_a_transaction(archive_dir):
    with pytest.raises(archiving.ArchiveError, match="transaction"):
        archiving.archive_old_entries()


# --- the auditor's archive pages ------------------------------------------------------------


@transactional
def test_an_auditor_lists_and_downloads_an_archive_and_the_download_is_recorded(
    archive_dir, staff_a, make_user, login, lead_hospital
):
    entry = _entry(staff_a, 400)
    _run()
    archive = AuditArchive.objects.get()
    auditor = make_user(Role.AUDITOR, hospital=lead_hospital)
    client = login(auditor)

    page = client.get("/audit/archives/", HTTP_ACCEPT_LANGUAGE="en")
    download = client.get(f"/audit/archives/{archive.public_id}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert archive.file_name in html and archive.sha256 in html
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == archive.sha256
    assert json.loads(gzip.decompress(body).splitlines()[0])["id"] == entry.pk
    mark = AuditEntry.objects.get(action="download", actor=auditor)
    assert mark.object_id == str(archive.public_id) and mark.outcome == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.MANAGER, Role.STAFF])
def test_others_cannot_see_or_download_archives(archive_dir, staff_a, make_user, login, role):
    old = _entry(staff_a, 400)
    archive = _ledger(old, old)
    client = login(make_user(role))

    assert client.get("/audit/archives/").status_code == 403
    assert client.get(f"/audit/archives/{archive.public_id}/").status_code == 403
    assert not AuditEntry.objects.filter(action="download").exists()


@pytest.mark.django_db
def test_an_archive_whose_file_is_gone_is_a_404_recorded_as_failed(
    archive_dir, staff_a, make_user, login
):
    old = _entry(staff_a, 400)
    archive = _ledger(old, old)
    auditor = make_user(Role.AUDITOR)

    response = login(auditor).get(f"/audit/archives/{archive.public_id}/")

    assert response.status_code == 404
    assert AuditEntry.objects.get(action="download", actor=auditor).outcome == "failed"


@pytest.mark.django_db
def test_the_archive_list_is_empty_before_any_archive(make_user, login):
    response = login(make_user(Role.AUDITOR)).get("/audit/archives/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "data-empty" in response.content.decode()
