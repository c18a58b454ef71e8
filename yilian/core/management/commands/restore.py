"""``manage.py restore ARCHIVE [--check] [--yes]``: put back a backup made by ``backup``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yilian.core.backup import BackupError, restore_backup, verify


class Command(BaseCommand):
    help = "Replace the database and the stored files with those of a backup archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="Only check the archive; change nothing."
        )
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before replacing the data."
        )

    def handle(
        self, *args: object, archive: Path, check: bool, yes: bool, **options: object
    ) -> None:
        if not archive.is_file():
            raise CommandError(f"{archive} is not a file")
        try:
            manifest = verify(archive)
            self.stdout.write(
                f"{archive.name}: made {manifest['created_at']} on {manifest['database']}, "
                f"{len(manifest['members']) - 1} files, checksums correct"
            )
            if check:
                return
            if not yes:
                answer = input(
                    f"This replaces the database and every stored file in {settings.MEDIA_ROOT}. "
                    "Type 'restore' to go on: "
                )
                if answer.strip() != "restore":
                    raise CommandError("nothing was changed")
            restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            "Restored. Run `manage.py migrate` if this release is newer than the backup."
        )
