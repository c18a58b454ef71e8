"""``{% continue_learning user %}``: the learner's unfinished lessons, for the home page."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("teaching/_continue.html")
def continue_learning(user: Any) -> dict[str, Any]:
    return {"recent": selectors.continue_learning(user)}
