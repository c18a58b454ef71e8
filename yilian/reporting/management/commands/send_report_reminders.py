"""Remind hospitals of data-report deadlines and escalate overdue reports (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yilian.reporting.services import send_reminders


class Command(BaseCommand):
    help = (
        "Remind hospitals before a data report's deadline, tell them when it passed and "
        "escalate overdue reports to the managers. Each reminder is sent once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_reminders()
        self.stdout.write(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
