"""Small helpers for the closed loop's templates: labels and badge colours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from html import escape
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe

from yilian.workflow.models import Action, Status, Urgency

register = template.Library()

_STATUS_CLASS = {
    Status.DRAFT: "text-bg-secondary",
    Status.SUBMITTED: "text-bg-info",
    Status.RETURNED: "text-bg-warning",
    Status.REJECTED: "text-bg-dark",
    Status.APPROVED: "text-bg-primary",
    Status.DISPATCHED: "text-bg-primary",
    Status.DECLINED: "text-bg-warning",
    Status.CONFIRMED: "text-bg-primary",
    Status.PUBLISHED: "text-bg-primary",
    Status.IN_PROGRESS: "text-bg-success",
    Status.COMPLETED: "text-bg-success",
    Status.FEEDBACK_GIVEN: "text-bg-success",
    Status.CLOSED: "text-bg-light border",
    Status.CANCELLED: "text-bg-light border",
}
_URGENCY_CLASS = {
    Urgency.ROUTINE: "text-bg-light border",
    Urgency.URGENT: "text-bg-warning",
    Urgency.EMERGENCY: "text-bg-danger",
}


@register.filter
def status_class(status: str) -> str:
    return _STATUS_CLASS.get(status, "text-bg-secondary")  # type: ignore[call-overload]


@register.filter
def urgency_class(urgency: str) -> str:
    return _URGENCY_CLASS.get(urgency, "text-bg-light border")  # type: ignore[call-overload]


@register.filter
def action_label(action: str) -> str:
    try:
        return str(Action(action).label)
    except ValueError:
        return action


@register.simple_tag
def hospital_options(hospitals: list[Any], selected: str) -> SafeString:
    """The ``<option>`` of each hospital for a filter, ``selected`` (a public id) marked.
    The platform roles' list offers a thousand: one string join, names escaped as the
    template would, instead of a template loop (most of the page's rendering time)."""
    options = []
    for h in hospitals:
        value = str(h.public_id)
        chosen = " selected" if value == selected else ""
        options.append(f'<option value="{value}"{chosen}>{escape(h.name)}</option>')
    return mark_safe("".join(options))  # noqa: S308 — the names are escaped above


@register.simple_tag
def time_window(start: datetime | None, end: datetime | None) -> str:
    """“start – end”: whole days (both ends at local midnight, the end exclusive) as dates
    — a visit from 3 to 4 December — anything else with times."""
    if start and end:
        first, after = timezone.localtime(start), timezone.localtime(end)
        if first.time() == after.time() == time.min:
            last = (after - timedelta(days=1)).date()
            return f"{formats.date_format(first.date())} – {formats.date_format(last)}"

    def shown(moment: datetime | None) -> str:
        return (
            formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
            if moment
            else "—"
        )

    return f"{shown(start)} – {shown(end)}"
