"""Extend the experts' e-clinic slots to the coming weeks (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yilian.clinics.services import WEEKS_AHEAD, generate_all_slots


class Command(BaseCommand):
    help = "Create the bookable e-clinic slots of every current schedule for the coming weeks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--weeks", type=int, default=WEEKS_AHEAD)

    def handle(self, *args: Any, weeks: int, **options: Any) -> None:
        created = generate_all_slots(weeks=weeks)
        self.stdout.write(f"{created} slots created.")
