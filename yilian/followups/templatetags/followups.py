"""``{% follow_up_for request as fu %}``: the follow-up plans started from a request that
the viewer may see, and whether they may start one (for the include
``followups/_from_request.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from yilian.followups import selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_up_for(context: Any, business_request: Any) -> dict[str, Any]:
    # ``request`` is the business request in the detail templates: the viewer is ``user``.
    user = context["user"]
    return {
        "plans": list(selectors.plans_from(user, business_request)),
        "may_start": services.may_start_from(user, business_request),
    }
