"""Evaluate the alert rules over every reported week (after rules were added or changed).
Alerts already raised are not raised again."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from yilian.sentinel.models import Programme
from yilian.sentinel.services import evaluate_all


class Command(BaseCommand):
    help = "Evaluate sentinel alert rules over every reported week (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--programme", help="only this programme (its code)")

    def handle(self, *args, **options) -> None:
        programme_id = None
        if options["programme"]:
            programme = Programme.objects.filter(code=options["programme"]).first()
            if programme is None:
                raise CommandError(f"no programme with code {options['programme']!r}")
            programme_id = programme.pk
        raised = evaluate_all(programme_id)
        self.stdout.write(f"{raised} alert(s) raised")
