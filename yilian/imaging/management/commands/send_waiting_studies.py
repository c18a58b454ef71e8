from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yilian.imaging.services import send_waiting_studies


class Command(BaseCommand):
    help = (
        "Send to Orthanc the studies that were kept while it was down. Safe to run often "
        "(every few minutes from cron): with Orthanc still down it sends nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent, waiting = send_waiting_studies()
        self.stdout.write(f"{sent} study(ies) sent to Orthanc, {waiting} still waiting.")
