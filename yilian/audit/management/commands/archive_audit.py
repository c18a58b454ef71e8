"""``manage.py archive_audit [--by PHONE]``: move audit entries older than
``YILIAN_AUDIT_RETENTION_DAYS`` into a checksummed archive file (see
``yilian/audit/archiving.py``). Safe to run again at any time, e.g. nightly after the backup."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yilian.accounts.models import User
from yilian.audit.archiving import ArchiveError, archive_directory, archive_old_entries, cutoff


class Command(BaseCommand):
    help = "Move audit entries older than the retention into a checksummed archive file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--by",
            default="",
            metavar="PHONE",
            help="The account (mobile number) on whose behalf the archive is made.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Entries removed per transaction."
        )

    def handle(self, *args: object, by: str, batch_size: int, **options: object) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more")
        actor = None
        if by:
            actor = User.objects.filter(phone=by.strip()).first()
            if actor is None:
                raise CommandError(f"no account has the mobile number {by}")
        try:
            operator = getpass.getuser()
        except (KeyError, OSError):
            operator = ""
        try:
            run = archive_old_entries(actor=actor, operator=operator, batch_size=batch_size)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        for name in run.discarded:
            self.stdout.write(f"discarded {name} (left by an interrupted run, never recorded)")
        for name in run.resumed:
            self.stdout.write(f"finished removing the entries archived in {name}")
        if run.archive is None:
            self.stdout.write(f"no audit entry made before {cutoff():%Y-%m-%d} is left to archive")
        else:
            self.stdout.write(
                f"{archive_directory() / run.archive.file_name}: {run.archive.entries} entries "
                f"(ids {run.archive.first_id}-{run.archive.last_id}), sha256 {run.archive.sha256}"
            )
        self.stdout.write(f"{run.removed} entries removed from the table")
