"""``{% mdt_parts req %}``: the experts' parts of an MDT opinion on the request page, with
the form for the signed-in expert whose part is missing or may still change."""

from __future__ import annotations

from typing import Any

from django import template

from ..forms import PartForm
from ..selectors import lead_expert, may_write_part, parts_of

register = template.Library()


@register.inclusion_tag("medical/_parts.html", takes_context=True)
def mdt_parts(context: template.Context, req: Any) -> dict[str, Any]:
    user = context.get("user")
    parts = parts_of(req)
    mine = next((p.opinion for p in parts if user is not None and p.expert.pk == user.pk), None)
    may_write = user is not None and may_write_part(user, req)
    return {
        "req": req,
        "parts": parts,
        "lead": lead_expert(req),
        "may_write": may_write,
        "mine": mine,
        "form": PartForm(initial={"body": mine.body if mine else ""}) if may_write else None,
    }
