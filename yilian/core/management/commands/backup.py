"""``manage.py backup [--output DIR] [--keep N]``: the database and stored files in one dated,
checksummed archive (see ``yilian/core/backup.py``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yilian.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write the database and the stored files into one dated, checksummed archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.YILIAN_BACKUP_DIR),
            help="Folder for the archive (default: YILIAN_BACKUP_DIR, <data dir>/backups).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="Afterwards delete all but the newest N archives in that folder (0: keep all).",
        )

    def handle(self, *args: object, output: Path, keep: int, **options: object) -> None:
        if keep < 0:
            raise CommandError("--keep must be 0 or more")
        try:
            backup = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{backup.archive} ({backup.bytes / 1e6:.1f} MB, {backup.files} files); "
            f"checksum in {backup.checksum.name}"
        )
        if keep:
            archives = sorted(output.glob("yilian-backup-*.tar"), reverse=True)
            for old in archives[keep:]:
                old.unlink()
                old.with_name(old.name + ".sha256").unlink(missing_ok=True)
                self.stdout.write(f"removed {old.name}")
