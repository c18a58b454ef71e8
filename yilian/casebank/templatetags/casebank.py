from __future__ import annotations

from typing import Any

from django import template

from yilian.casebank import selectors
from yilian.workflow.models import BusinessRequest

register = template.Library()


@register.inclusion_tag("casebank/_request_block.html", takes_context=True)
def difficult_case_block(context: Any, request: BusinessRequest) -> dict[str, Any]:
    """On a consultation's page: its difficult-case record, or the way to make one."""
    user = context.request.user
    case = selectors.case_of(request) if selectors.may_read(user) else None
    return {"business": request, "case": case, "may_mark": selectors.may_mark(user, request)}
