"""``manage.py seed_demo --scale small|paper``: the demo alliance (see yilian/orgs/demo.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yilian.orgs import demo


class Command(BaseCommand):
    help = (
        "Seed the demo alliance: hospitals, departments, teams, rooms and people for every "
        "role. Deterministic and idempotent; prints the demo logins at the end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES),
            default="small",
            help=f"small: the first {demo.SCALES['small']} hospitals; paper: all "
            f"{demo.SCALES['paper']} member hospitals (default: small).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: str = options["scale"]
        verbose = options["verbosity"] >= 2
        self.stdout.write(f"Seeding the demo alliance at scale {scale!r} …")
        try:
            result = demo.run_seed(scale, log=self.stdout.write if verbose else None)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if result.total:
            summary = ", ".join(f"{step} {n}" for step, n in result.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Created {result.total} rows ({summary})."))
        else:
            self.stdout.write(
                self.style.SUCCESS("Nothing new was created: the demo data is already in place.")
            )
        self.stdout.write("\nDemo logins:\n" + demo.demo_login_table())
