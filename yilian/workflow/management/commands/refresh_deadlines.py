from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yilian.workflow.services import refresh_deadlines


class Command(BaseCommand):
    help = (
        "Rewrite each request's step deadline from the business kinds' SLAs as they are now "
        "(run after upgrading and after changing YILIAN_SLA_HOURS; idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = refresh_deadlines()
        self.stdout.write(f"{changed} request deadlines rewritten")
