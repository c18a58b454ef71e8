"""Demo data of the dashboard (a step of ``seed_demo``): two years of generated activity.
The small alliance gets its share of the paper's volume; the paper-scale alliance a tenth
of it, to keep seeding quick (``manage.py generate_activity --volume 1`` adds the rest).
A second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from yilian.orgs.demo import SCALES, SeedContext, register_step

from .history import PAPER_INSTITUTIONS, generate_history
from .models import ActivityEvent

VOLUME: dict[str, float] = {"small": SCALES["small"] / PAPER_INSTITUTIONS, "paper": 0.1}


def seed_activity(ctx: SeedContext) -> int:
    a_month_ago = timezone.now() - timedelta(days=30)
    if ActivityEvent.objects.filter(occurred_at__lt=a_month_ago).exists():
        return 0  # history was generated before
    return generate_history(volume=VOLUME[ctx.scale])


register_step("activity", seed_activity)
