"""Small builders shared by the handlers: references, meta, narrative, filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.html import escape

from ..codes import token_code
from ..search import parse_uuid, reference_id


def instant(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def meta(row: Any, field: str = "updated_at") -> dict[str, Any]:
    return {"lastUpdated": instant(getattr(row, field))}


def ref(resource_type: str, public_id: Any, display: str = "") -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"{resource_type}/{public_id}"}
    if display:
        reference["display"] = display
    return reference


def user_ref(user: Any) -> dict[str, Any] | None:
    return ref("Practitioner", user.public_id, user.name) if user is not None else None


def coding(system: str, code: str, display: Any = "") -> dict[str, Any]:
    item: dict[str, Any] = {"system": system, "code": code}
    if display:
        item["display"] = str(display)
    return item


def concept(system: str, code: str, display: Any = "", text: Any = "") -> dict[str, Any]:
    value: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text:
        value["text"] = str(text)
    return value


def narrative(text: str) -> dict[str, Any]:
    """Generated narrative: the text, escaped, paragraphs kept."""
    body = "<br/>".join(escape(line) for line in text.splitlines()) or escape(text)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def compact(resource: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty elements (FHIR forbids empty strings, lists and objects)."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


# --- filters -------------------------------------------------------------------------------


def by_reference(resource_type: str, lookup: str) -> Callable[[QuerySet[Any], list[str]], Any]:
    """A reference parameter: ``Type/uuid`` or ``uuid`` values matched on ``lookup``."""

    def apply(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        ids = []
        for value in values:
            try:
                ids.append(parse_uuid(reference_id(value, resource_type)))
            except ValueError:
                continue
        return qs.filter(**{f"{lookup}__in": ids}).distinct()

    return apply


def by_status(mapping: dict[str, str] | Any, lookup: str = "status") -> Any:
    """A status token parameter over a workflow-status → FHIR-status mapping."""

    def apply(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        wanted = {token_code(v) for v in values}
        return qs.filter(**{f"{lookup}__in": [s for s, code in mapping.items() if code in wanted]})

    return apply


def any_of(*conditions: Callable[[list[str]], Q]) -> Any:
    def apply(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
        combined = Q()
        for condition in conditions:
            combined |= condition(values)
        return qs.filter(combined).distinct()

    return apply
