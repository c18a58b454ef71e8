from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yilian.analytics.services import rebuild_rollups


class Command(BaseCommand):
    help = "Recompute the dashboard's daily rollups from the activity events."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild_rollups()
        self.stdout.write(f"{rows} rollup rows rebuilt")
