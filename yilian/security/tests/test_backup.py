"""Backup → wipe the database and the files → restore gives the same rows, table by table,
and the same files, byte for byte — on the database the suite runs on (SQLite, and
PostgreSQL in the PostgreSQL run)."""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from yilian.audit.services import record
from yilian.core import backup
from yilian.files.services import store_upload
from yilian.patients.models import Patient

# A backup reads committed data, and a restore replaces the whole database: the tests
# commit for real.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def table_contents() -> dict[str, list[tuple]]:
    """Every row of every table the application owns, in primary-key order."""
    contents = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list(*fields)
        contents[model._meta.db_table] = list(rows)
    return contents


def file_checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def wipe_database() -> None:
    """Drop every table (what a lost disk or a bad migration leaves)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            tables = connection.introspection.table_names(cursor)
            for table in tables:
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
            cursor.execute("PRAGMA foreign_keys = ON")
    assert connection.introspection.table_names() == []


@pytest.fixture
def some_data(staff_a, hospital_a, settings):
    patient = Patient.objects.create(hospital=hospital_a, name="赵某某", created_by=staff_a)
    for name in ("检查报告.pdf", "出院小结.pdf"):
        upload = SimpleUploadedFile(name, PDF + name.encode(), content_type="application/pdf")
        store_upload(upload, owner=staff_a, target=patient, check_access=False)
    record(None, action="view", target=patient, patient=patient, actor=staff_a)
    return patient


def test_backup_wipe_restore_gives_the_same_rows_and_files(some_data, settings, tmp_path):
    media = Path(settings.MEDIA_ROOT)
    rows_before = table_contents()
    files_before = file_checksums(media)
    assert len(files_before) == 2
    assert any(rows_before[table] for table in ("audit_auditentry", "patients_patient"))

    made = backup.create_backup(tmp_path / "backups")

    wipe_database()
    shutil.rmtree(media)

    backup.restore_backup(made.archive)

    assert table_contents() == rows_before
    assert file_checksums(media) == files_before


def test_restore_keeps_the_files_it_replaces(some_data, settings, tmp_path):
    made = backup.create_backup(tmp_path / "backups")
    media = Path(settings.MEDIA_ROOT)
    (media / "added-after-the-backup.txt").write_text("later")

    backup.restore_backup(made.archive)

    assert not (media / "added-after-the-backup.txt").exists()
    aside = [
        p for p in media.parent.iterdir() if p.name.startswith(f"{media.name}.before-restore-")
    ]
    assert len(aside) == 1
    assert (aside[0] / "added-after-the-backup.txt").read_text() == "later"


def test_no_backup_inside_a_transaction(tmp_path):
    with transaction.atomic(), pytest.raises(backup.BackupError, match="transaction"):
        backup.create_backup(tmp_path)


def test_the_archive_is_checked_as_a_whole_and_member_by_member(some_data, tmp_path):
    made = backup.create_backup(tmp_path / "backups")
    # Only the owner may read what holds every record.
    assert made.archive.stat().st_mode & 0o777 == 0o600
    assert made.checksum.stat().st_mode & 0o777 == 0o600
    manifest = backup.verify(made.archive)
    assert manifest["database"] == connection.vendor
    assert {m["path"] for m in manifest["members"]} >= {backup.DUMPS[connection.vendor]}
    assert made.checksum.read_text().split() == [backup.sha256_of(made.archive), made.archive.name]

    # A flipped byte anywhere: the whole-archive checksum refuses it.
    damaged = tmp_path / "damaged" / made.archive.name
    damaged.parent.mkdir()
    data = bytearray(made.archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    shutil.copy(made.checksum, damaged.parent)
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.verify(damaged)


def test_a_changed_member_is_refused_even_without_the_checksum_file(some_data, tmp_path):
    made = backup.create_backup(tmp_path / "backups")
    forged = tmp_path / "forged.tar"
    with tarfile.open(made.archive) as source, tarfile.open(forged, "w") as target:
        for member in source.getmembers():
            handle = source.extractfile(member)
            content = handle.read() if handle else b""
            if member.name.startswith("files/"):
                content = content.replace(b"%PDF", b"%PDX")
            member.size = len(content)
            target.addfile(member, fileobj=io.BytesIO(content))
    rows_before = table_contents()
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.restore_backup(forged)
    assert table_contents() == rows_before  # nothing was touched


def test_the_commands(some_data, tmp_path, capsys):
    folder = tmp_path / "backups"
    call_command("backup", output=folder)
    archive = next(folder.glob("yilian-backup-*.tar"))
    call_command("restore", str(archive), check=True)
    assert "checksums correct" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not a file"):
        call_command("restore", str(folder / "missing.tar"), yes=True)
    call_command("restore", str(archive), yes=True)
    assert Patient.objects.filter(pk=some_data.pk).exists()


def test_keep_removes_the_oldest_archives(tmp_path):
    folder = tmp_path / "backups"
    for second in range(3):
        backup.create_backup(folder, now=datetime(2026, 1, 1, 0, 0, second, tzinfo=UTC))
    call_command("backup", output=folder, keep=2)
    assert len(list(folder.glob("yilian-backup-*.tar"))) == 2
    assert len(list(folder.glob("*.sha256"))) == 2
