"""``{% ward_round_rows req detail %}``: the patients of a ward round with the experts'
comments and the hospital's actions, and the forms for whoever may write now."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import may_comment, may_record_action, rows_of

register = template.Library()


@register.inclusion_tag("clinics/_ward_round_rows.html", takes_context=True)
def ward_round_rows(context: template.Context, req: Any, detail: Any) -> dict[str, Any]:
    user = context.get("user")
    return {
        "rows": rows_of(detail),
        "may_comment": user is not None and may_comment(user, req),
        "may_record": user is not None and may_record_action(user, req),
        "csrf_token": context.get("csrf_token"),
    }
