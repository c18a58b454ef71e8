"""Moving audit entries older than the retention into archive files (``manage.py
archive_audit``).

A run, under a lock so two never overlap:

1. finishes an interrupted run: entries a recorded archive holds that are still in the
   table are removed (the file is checked against its recorded checksum first);
2. discards files that no ledger row records (a run stopped before recording: their
   entries are all still in the table and go into the new file);
3. writes the entries made before the cut-off (the start of the day ``retention`` days ago)
   to ``yilian-audit-<first day>-<cut-off day>-<first id>-<last id>.jsonl.gz`` — one JSON
   object a line, gzip — beside ``<file>.sha256``; syncs both to disk; reads the file back
   and checks its checksum, its count and its ids;
4. records the ``AuditArchive`` ledger row (and an audit entry saying so), and only then
5. deletes the archived entries, by the ids in the file, in batches.

The database lets step 5 through only for entries older than 183 days that a ledger row
covers (migration 0003), so nothing here can remove an entry no archive holds.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from yilian.accounts.models import User
from yilian.core.backup import sha256_of
from yilian.core.dates import start_of

from .models import MINIMUM_RETENTION_DAYS, AuditAction, AuditArchive, AuditEntry
from .services import record

PREFIX = "yilian-audit-"
SUFFIX = ".jsonl.gz"
PARTIAL = ".partial"
DELETE_BATCH = 1000
# The columns of a line, in the order of the table.
COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor__public_id",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "patient__public_id",
    "outcome",
    "ip_address",
    "path",
)


class ArchiveError(Exception):
    """Archiving cannot go on; the message says why. Nothing was removed from the trail that
    a checked archive file does not hold."""


@dataclass
class ArchiveRun:
    archive: AuditArchive | None = None  # the new archive, None when nothing was old enough
    removed: int = 0  # entries removed from the table by this run
    resumed: list[str] = field(default_factory=list)  # archives an earlier run left unfinished
    discarded: list[str] = field(default_factory=list)  # unrecorded files of a stopped run


def archive_directory() -> Path:
    return Path(settings.YILIAN_AUDIT_ARCHIVE_DIR)


def retention_days() -> int:
    return max(settings.YILIAN_AUDIT_RETENTION_DAYS, MINIMUM_RETENTION_DAYS)


def cutoff(now: datetime | None = None) -> datetime:
    """Entries made before this moment are due for archiving: the start of the day
    ``YILIAN_AUDIT_RETENTION_DAYS`` days ago, in the alliance's time zone."""
    today = timezone.localdate(now or timezone.now())
    return start_of(today - timedelta(days=retention_days()))


def archive_path(archive: AuditArchive) -> Path:
    """The archive's file. Names are made here, never taken from a request."""
    name = Path(archive.file_name).name
    if name != archive.file_name or not name.startswith(PREFIX):
        raise ArchiveError(f"unexpected archive file name {archive.file_name!r}")
    return archive_directory() / name


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def archive_old_entries(
    *,
    actor: User | None = None,
    operator: str = "",
    now: datetime | None = None,
    batch_size: int = DELETE_BATCH,
) -> ArchiveRun:
    """One archiving run (see the module's description); safe to repeat at any time."""
    if connection.in_atomic_block:
        raise ArchiveError("archiving cannot run inside a database transaction")
    directory = archive_directory()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    run = ArchiveRun()
    with _lock(directory):
        for archive in _unfinished():
            run.removed += _remove_archived(archive, batch_size)
            run.resumed.append(archive.file_name)
        run.discarded = _discard_unrecorded(directory)
        before = cutoff(now)
        due = AuditEntry.objects.filter(at__lt=before)
        bounds = due.aggregate(first=Min("id"), last=Max("id"), oldest=Min("at"), n=Count("id"))
        if not bounds["n"]:
            return run
        rows = due.filter(id__lte=bounds["last"]).order_by("id")
        name = (
            f"{PREFIX}{timezone.localtime(bounds['oldest']):%Y%m%d}-"
            f"{timezone.localtime(before):%Y%m%d}-{bounds['first']}-{bounds['last']}{SUFFIX}"
        )
        written = _write(directory / name, rows)
        with transaction.atomic():
            archive = AuditArchive.objects.create(
                first_id=written.first_id,
                last_id=written.last_id,
                period_start=written.oldest,
                period_end=before,
                entries=written.count,
                file_name=name,
                sha256=written.sha256,
                size=written.size,
                created_by=actor,
                operator=operator[:100],
            )
            record(None, action=AuditAction.ARCHIVE, target=archive, actor=actor)
        run.archive = archive
        run.removed += _remove_archived(archive, batch_size)
    return run


@contextmanager
def _lock(directory: Path) -> Iterator[None]:
    with (directory / ".archive.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveError("another archive_audit is running") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unfinished() -> list[AuditArchive]:
    """Recorded archives whose entries are (partly) still in the table."""
    return [
        archive
        for archive in AuditArchive.objects.order_by("id")
        if AuditEntry.objects.filter(
            id__range=(archive.first_id, archive.last_id), at__lt=archive.period_end
        ).exists()
    ]


def _discard_unrecorded(directory: Path) -> list[str]:
    recorded = set(AuditArchive.objects.values_list("file_name", flat=True))
    discarded = []
    for path in sorted(directory.glob(f"{PREFIX}*")):
        base = path.name.removesuffix(".sha256").removesuffix(PARTIAL)
        if base.endswith(SUFFIX) and base not in recorded:
            path.unlink()
            discarded.append(path.name)
    return discarded


class _HashingWriter:
    """Hands bytes on to ``target`` and hashes them on the way."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


@dataclass(frozen=True)
class _Written:
    count: int
    first_id: int
    last_id: int
    oldest: datetime
    sha256: str
    size: int


def _line(row: dict[str, Any]) -> bytes:
    data = {
        "id": row["id"],
        "at": row["at"].astimezone(UTC).isoformat(),
        "actor_id": row["actor_id"],
        "actor_public_id": str(row["actor__public_id"]) if row["actor__public_id"] else None,
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "patient_id": row["patient_id"],
        "patient_public_id": (
            str(row["patient__public_id"]) if row["patient__public_id"] else None
        ),
        "outcome": row["outcome"],
        "ip_address": row["ip_address"],
        "path": row["path"],
    }
    return (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _write(path: Path, rows: Any) -> _Written:
    partial = path.with_name(path.name + PARTIAL)
    count, first_id, last_id, oldest = 0, 0, 0, None
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        hashing = _HashingWriter(handle)
        with gzip.GzipFile(filename="", mode="wb", fileobj=hashing, mtime=0) as out:
            for row in rows.values(*COLUMNS).iterator(chunk_size=2000):
                out.write(_line(row))
                count += 1
                first_id = first_id or row["id"]
                last_id = row["id"]
                oldest = row["at"] if oldest is None else min(oldest, row["at"])
        handle.flush()
        os.fsync(handle.fileno())
    if oldest is None:
        partial.unlink()
        raise ArchiveError("the entries to archive disappeared while they were written")
    os.replace(partial, path)
    sha256 = hashing.digest.hexdigest()
    _verify(path, sha256, expected_count=count, first_id=first_id, last_id=last_id)
    checksum = checksum_path(path)
    fd = os.open(checksum, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{sha256}  {path.name}\n")
        handle.flush()
        os.fsync(handle.fileno())
    _sync_directory(path.parent)
    return _Written(count, first_id, last_id, oldest, sha256, hashing.size)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_ids(path: Path) -> Iterator[int]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield int(json.loads(line)["id"])


def _verify(path: Path, sha256: str, *, expected_count: int, first_id: int, last_id: int) -> None:
    """Read the file back from disk: its checksum, then every line, in order."""
    if sha256_of(path) != sha256:
        raise ArchiveError(f"{path.name}: the checksum read back differs from the one written")
    previous, count = 0, 0
    for entry_id in read_ids(path):
        if entry_id <= previous:
            raise ArchiveError(f"{path.name}: ids out of order after {previous}")
        previous, count = entry_id, count + 1
        if count == 1 and entry_id != first_id:
            raise ArchiveError(f"{path.name}: starts at {entry_id}, not {first_id}")
    if count != expected_count or previous != last_id:
        raise ArchiveError(f"{path.name}: {count} entries read back, {expected_count} written")


def verify_archive(archive: AuditArchive) -> Path:
    """The archive's file, checked against the ledger (checksum, count, ids)."""
    path = archive_path(archive)
    if not path.is_file():
        raise ArchiveError(f"{path} is missing")
    _verify(
        path,
        archive.sha256,
        expected_count=archive.entries,
        first_id=archive.first_id,
        last_id=archive.last_id,
    )
    return path


def _remove_archived(archive: AuditArchive, batch_size: int) -> int:
    """Delete from the table the entries the archive's (checked) file holds."""
    path = verify_archive(archive)
    removed = 0
    batch: list[int] = []
    for entry_id in read_ids(path):
        batch.append(entry_id)
        if len(batch) >= batch_size:
            removed += _delete(batch)
            batch = []
    if batch:
        removed += _delete(batch)
    return removed


def _delete(ids: list[int]) -> int:
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    # The model refuses deletes; the database lets through archived old entries only.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", ids)  # noqa: S608
        return cursor.rowcount
