"""Small helpers for the closed loop's templates: labels and badge colours."""

from __future__ import annotations

from django import template

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
