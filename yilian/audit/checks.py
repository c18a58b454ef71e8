"""System checks: the audit trail is kept at least six months."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .models import MINIMUM_RETENTION_DAYS


@register()
def audit_retention_is_long_enough(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    days = settings.YILIAN_AUDIT_RETENTION_DAYS
    if days >= MINIMUM_RETENTION_DAYS:
        return []
    return [
        Error(
            f"YILIAN_AUDIT_RETENTION_DAYS is {days}; the audit trail must be kept at least "
            f"6 months ({MINIMUM_RETENTION_DAYS} days).",
            hint=f"Set YILIAN_AUDIT_RETENTION_DAYS to {MINIMUM_RETENTION_DAYS} or more "
            "(the default is 365).",
            id="audit.E001",
        )
    ]
