from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yilian.analytics.history import generate_history


class Command(BaseCommand):
    help = (
        "Add two years of generated activity (last year and this year to date) at VOLUME "
        "times the paper's yearly figures, and rebuild the rollups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--volume", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, *args: Any, volume: float, seed: int, **options: Any) -> None:
        created = generate_history(volume=volume, seed=seed)
        self.stdout.write(f"{created} activity events generated")
