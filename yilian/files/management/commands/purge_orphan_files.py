from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yilian.files.services import purge_orphans


class Command(BaseCommand):
    help = (
        "Delete stored files that no file record names (uploads whose transaction rolled "
        "back) and that are older than a day. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = purge_orphans()
        self.stdout.write(f"{removed} orphaned file(s) deleted.")
