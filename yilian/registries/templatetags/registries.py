"""Showing registry answers and indicator outcomes."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext_lazy

from .. import definitions

register = template.Library()

_OUTCOMES = {
    "met": ("text-bg-success", pgettext_lazy("indicator outcome", "met")),
    "not_met": ("text-bg-danger", pgettext_lazy("indicator outcome", "not met")),
    "excluded": ("text-bg-secondary", pgettext_lazy("indicator outcome", "excluded")),
    "incomplete": ("text-bg-warning", pgettext_lazy("indicator outcome", "data missing")),
    "outside": ("text-bg-light", pgettext_lazy("indicator outcome", "not applicable")),
}


@register.filter
def answer(value: Any, field: definitions.Field) -> str:
    """An answer as a person reads it: yes/no, a local date and time, or "—"."""
    if value is None or value == "":
        return "—"
    if field.type == definitions.FieldType.YES_NO:
        return gettext("yes") if value else gettext("no")
    if field.type == definitions.FieldType.DATETIME:
        try:
            moment = definitions.typed_value(field, value)
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        except (ValueError, TypeError):
            return str(value)  # stored before the field became a date and time
    return str(value)


@register.filter
def unit_label(unit: str) -> str:
    return str(definitions.Unit(unit).label) if unit in definitions.Unit.values else unit


@register.simple_tag
def outcome_badge(outcome: str) -> SafeString:
    css, label = _OUTCOMES.get(outcome, ("text-bg-light", outcome))
    return format_html('<span class="badge {}">{}</span>', css, label)
