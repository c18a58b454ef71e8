"""Blocks other pages show: a follow-up plan's health education (staff, with the attach
form), the same list for the patient answering a visit, and a patient's own items on the
home page."""

from __future__ import annotations

from typing import Any

from django import template

from yilian.followups.models import FollowUpPlan
from yilian.followups.services import may_manage as may_manage_plan

from .. import selectors
from ..forms import AttachForm

register = template.Library()


@register.inclusion_tag("healthedu/_plan_items.html", takes_context=True)
def plan_education(context: dict[str, Any], plan: FollowUpPlan) -> dict[str, Any]:
    """The items attached to ``plan`` and, for those who manage it, the attach form. The
    caller has already authorised reading the plan."""
    user = context["request"].user
    manage = may_manage_plan(user, plan)
    attached = selectors.items_of_plan(plan, published_only=False)
    return {
        "plan": plan,
        "attached": attached,
        "may_manage": manage,
        "form": AttachForm(items=selectors.published_items().exclude(plan_links__plan=plan))
        if manage
        else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("healthedu/_patient_items.html")
def patient_education(plan: FollowUpPlan) -> dict[str, Any]:
    """What ``plan``'s patient reads: its published items, linking to their share pages."""
    return {"items": selectors.items_of_plan(plan)}


@register.inclusion_tag("healthedu/_my_items.html")
def my_education(user: Any) -> dict[str, Any]:
    """The patient's latest items on the home page (nothing for anyone else)."""
    rows = list(selectors.items_for_patient(user)[:3]) if user.is_authenticated else []
    return {"rows": rows}
