"""System checks: a deadline override that names no kind, step or urgency is a typo to
report."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register

from .models import Urgency
from .registry import all_kinds


@register()
def sla_overrides_name_real_steps(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    steps = {f"{k.code}.{step}" for k in all_kinds() for step in k.steps}
    known = steps | {f"{key}.{urgency}" for key in steps for urgency in Urgency.values}
    return [
        Warning(
            f"YILIAN_SLA_HOURS names {key!r}, which is no step of a registered business kind.",
            hint="Use kind.step or kind.step.urgency, e.g. study_visit.approve=48 or "
            "consultation.approve.emergency=0.5.",
            id="workflow.W001",
        )
        for key in sorted(set(settings.YILIAN_SLA_HOURS) - known)
    ]
