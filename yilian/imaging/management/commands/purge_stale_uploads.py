from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yilian.imaging.services import purge_stale_uploads


class Command(BaseCommand):
    help = (
        "Give up resumable uploads of studies and slides nobody has continued for a week, "
        "and uploads stuck in processing: their partial files are deleted. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_stale_uploads()
        self.stdout.write(f"{count} stale upload(s) given up.")
