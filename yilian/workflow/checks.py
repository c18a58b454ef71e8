"""System checks: a deadline override that names no kind or step is a typo to report."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register

from .registry import all_kinds


@register()
def sla_overrides_name_real_steps(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    known = {f"{k.code}.{step}" for k in all_kinds() for step in k.steps}
    return [
        Warning(
            f"YILIAN_SLA_HOURS names {key!r}, which is no step of a registered business kind.",
            hint="Use kind.step, e.g. study_visit.approve=48.",
            id="workflow.W001",
        )
        for key in sorted(set(settings.YILIAN_SLA_HOURS) - known)
    ]
