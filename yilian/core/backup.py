"""Backups that restore: the database and the stored files in one dated archive.

An archive ``yilian-backup-<UTC time>.tar`` holds

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the site runs)
  or ``database.pgdump`` (``pg_dump --format=custom``),
- ``files/…`` — every stored file (``MEDIA_ROOT``),
- ``manifest.json`` — when, from which engine, the applied migrations, and the size and
  SHA-256 of every member;

beside it ``<archive>.sha256`` (``sha256sum`` format) checks the archive as a whole.
``restore`` checks both before it touches anything, then replaces the database and the
files; the files it replaces are kept aside (``<MEDIA_ROOT>.before-restore-<time>``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The archive cannot be made or restored; the message says why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _vendor() -> str:
    if connection.vendor not in DUMPS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def _pg_env() -> dict[str, str]:
    conf = connection.settings_dict
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if conf.get(key):
            env[name] = str(conf[key])
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    return env


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _dump_database(target: Path) -> None:
    if _vendor() == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    else:
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
                connection.settings_dict["NAME"],
            ]
        )


def _load_database(source: Path) -> None:
    if _vendor() == "sqlite":
        connection.ensure_connection()
        saved = sqlite3.connect(source)
        try:
            saved.backup(connection.connection)
        finally:
            saved.close()
    else:
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(source),
            ]
        )


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _applied_migrations() -> list[str]:
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


@dataclass(frozen=True)
class Backup:
    archive: Path
    checksum: Path
    files: int
    bytes: int


def create_backup(directory: Path, *, now: datetime | None = None) -> Backup:
    """Write a new archive into ``directory`` and return where it is."""
    vendor = _vendor()
    if connection.in_atomic_block:
        # Its own uncommitted writes would block SQLite's copy and be missing from pg_dump's.
        raise BackupError("a backup cannot be taken inside a database transaction")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    archive = directory / f"yilian-backup-{moment:%Y%m%dT%H%M%SZ}.tar"
    if archive.exists():
        raise BackupError(f"{archive} exists already")
    members: list[dict[str, Any]] = []
    root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="yilian-backup-") as work:
        dump = Path(work) / DUMPS[vendor]
        _dump_database(dump)
        partial = archive.with_suffix(".tar.partial")
        # The archive holds every patient record and secret: readable by its owner only.
        handle = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        with handle, tarfile.open(fileobj=handle, mode="w") as tar:
            tar.add(dump, arcname=dump.name)
            members.append(
                {"path": dump.name, "size": dump.stat().st_size, "sha256": sha256_of(dump)}
            )
            for path in _stored_files():
                name = f"{FILES}/{path.relative_to(root).as_posix()}"
                tar.add(path, arcname=name)
                members.append(
                    {"path": name, "size": path.stat().st_size, "sha256": sha256_of(path)}
                )
            manifest = Path(work) / MANIFEST
            manifest.write_text(
                json.dumps(
                    {
                        "format": FORMAT,
                        "created_at": moment.isoformat(),
                        "database": vendor,
                        "migrations": _applied_migrations(),
                        "members": members,
                    },
                    indent=1,
                )
            )
            tar.add(manifest, arcname=MANIFEST)
        partial.rename(archive)
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{sha256_of(archive)}  {archive.name}\n")
    checksum.chmod(0o600)
    files = sum(1 for m in members if m["path"].startswith(f"{FILES}/"))
    return Backup(archive, checksum, files, archive.stat().st_size)


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        handle = tar.extractfile(MANIFEST)
    except KeyError:
        raise BackupError("not a Yilian backup: it has no manifest") from None
    if handle is None:
        raise BackupError("not a Yilian backup: its manifest is not a file")
    manifest = json.load(handle)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not supported")
    return manifest


def verify(archive: Path) -> dict[str, Any]:
    """Check the archive against its ``.sha256`` (when present) and every member against the
    manifest; return the manifest. Nothing is changed."""
    checksum = archive.with_name(archive.name + ".sha256")
    if checksum.exists():
        expected = checksum.read_text().split()[0]
        if sha256_of(archive) != expected:
            raise BackupError(f"{archive.name} does not match {checksum.name}: it is damaged")
    with tarfile.open(archive, "r") as tar:
        manifest = _read_manifest(tar)
        for member in manifest["members"]:
            try:
                handle = tar.extractfile(member["path"])
            except KeyError:
                raise BackupError(f"{member['path']} is missing from the archive") from None
            if handle is None:
                raise BackupError(f"{member['path']} is not a file")
            digest = hashlib.sha256()
            while block := handle.read(CHUNK):
                digest.update(block)
            if digest.hexdigest() != member["sha256"]:
                raise BackupError(f"{member['path']} is damaged (checksum differs)")
    return manifest


def restore_backup(archive: Path, *, now: datetime | None = None) -> dict[str, Any]:
    """Replace the database and the stored files with the archive's. The archive is checked
    first; the current files are moved aside, not deleted."""
    manifest = verify(archive)
    vendor = _vendor()
    if connection.in_atomic_block:
        raise BackupError("a restore cannot run inside a database transaction")
    if manifest["database"] != vendor:
        raise BackupError(
            f"the backup is of a {manifest['database']} database; this site runs on {vendor}"
        )
    root = Path(settings.MEDIA_ROOT)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with tempfile.TemporaryDirectory(prefix="yilian-restore-", dir=root.parent) as work:
        with tarfile.open(archive, "r") as tar:
            tar.extractall(work, filter="data")
        _load_database(Path(work) / DUMPS[vendor])
        restored = Path(work) / FILES
        restored.mkdir(exist_ok=True)
        if root.exists():
            aside = root.with_name(f"{root.name}.before-restore-{moment:%Y%m%dT%H%M%SZ}")
            root.rename(aside)
        shutil.move(str(restored), str(root))
    return manifest
