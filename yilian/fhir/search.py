"""Reading through the registry: one resource by id, or a page of a search.

Parameters are checked strictly: an unknown parameter, modifier or prefix is an
OperationOutcome 400 — unless the client sends ``Prefer: handling=lenient``, then it is
ignored and left out of the Bundle's ``self`` link (which shows what was applied)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.core.dates import start_of

from .outcome import FhirError, Issue
from .registry import Handler, Source

DEFAULT_COUNT = 20
MAX_COUNT = 100
# Result paging and format: accepted, never listed as search parameters.
CONTROL_PARAMS = frozenset({"_count", "_offset", "_format"})
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
DATE_PREFIXES = frozenset({"eq", "ge", "gt", "le", "lt"})


def parse_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def reference_id(value: str, resource_type: str) -> str:
    """The id in a reference search value: ``Type/id``, a full URL ending so, or ``id``."""
    value = value.strip()
    if "/" in value:
        parts = value.rstrip("/").split("/")
        if len(parts) < 2 or parts[-2] != resource_type:
            return ""
        return parts[-1]
    return value


def lenient(prefer_header: str) -> bool:
    return "handling=lenient" in prefer_header.replace(" ", "").lower()


@dataclass
class Query:
    """A checked search: the filters to apply and the page wanted."""

    params: list[tuple[str, str]] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0

    def link(self, base: str, offset: int) -> str:
        pairs = [*self.params, ("_count", str(self.count))]
        if offset:
            pairs.append(("_offset", str(offset)))
        return f"{base}?{urlencode(pairs)}"


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not low <= number <= high:
        raise FhirError.one(
            400,
            "invalid",
            _("%(name)s must be a whole number from %(low)d to %(high)d.")
            % {"name": name, "low": low, "high": high},
            name,
        )
    return number


def check_format(query: QueryDict) -> None:
    for value in query.getlist("_format"):
        if value.split(";")[0].strip().lower() not in JSON_FORMATS:
            raise FhirError.one(406, "not-supported", _("Only JSON is served."), "_format")


def parse_query(handler: Handler, query: QueryDict, *, is_lenient: bool) -> Query:
    check_format(query)
    parsed = Query()
    known = handler.search_params
    for name, values in query.lists():
        if name == "_count":
            parsed.count = _int("_count", values[-1], 0, MAX_COUNT)
        elif name == "_offset":
            parsed.offset = _int("_offset", values[-1], 0, 10**9)
        elif name in CONTROL_PARAMS:
            continue
        elif name in known:
            parsed.params.extend((name, v) for v in values)
        elif not is_lenient:
            raise FhirError.one(
                400,
                "not-supported",
                _("%(type)s has no search parameter “%(name)s” (supported: %(known)s).")
                % {"type": handler.type, "name": name, "known": ", ".join(sorted(known))},
                name,
            )
    return parsed


# --- _lastUpdated ------------------------------------------------------------------------


def _instant_bounds(value: str) -> tuple[datetime, datetime, bool]:
    """(lower, upper, is_day) of a date or an instant in a date search."""
    day = _parse(parse_date, value)
    if day is not None:
        return start_of(day), start_of(day + timedelta(days=1)), True
    moment = _parse(parse_datetime, value)
    if moment is None:
        raise FhirError.one(
            400,
            "invalid",
            _("_lastUpdated takes a date (2026-01-31) or an instant (2026-01-31T08:00:00+08:00)."),
            "_lastUpdated",
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, moment, False


def _parse(parser: Any, value: str) -> Any:
    try:
        return parser(value)
    except ValueError:
        return None


def last_updated_filter(qs: QuerySet[Any], field_name: str, value: str) -> QuerySet[Any]:
    prefix = value[:2] if value[:2].isalpha() else "eq"
    raw = value[2:] if value[:2].isalpha() else value
    if prefix not in DATE_PREFIXES:
        raise FhirError.one(
            400,
            "not-supported",
            _("The prefix “%(prefix)s” is not supported (use eq, ge, gt, le or lt).")
            % {"prefix": prefix},
            "_lastUpdated",
        )
    lower, upper, is_day = _instant_bounds(raw)
    f = field_name
    if prefix == "ge":
        return qs.filter(**{f"{f}__gte": lower})
    if prefix == "lt":
        return qs.filter(**{f"{f}__lt": lower})
    if prefix == "gt":
        return qs.filter(**({f"{f}__gte": upper} if is_day else {f"{f}__gt": lower}))
    if prefix == "le":
        return qs.filter(**({f"{f}__lt": upper} if is_day else {f"{f}__lte": lower}))
    if is_day:
        return qs.filter(**{f"{f}__gte": lower, f"{f}__lt": upper})
    return qs.filter(**{f: lower})


# --- applying a query to a source --------------------------------------------------------


def _ids(source: Source, values: Iterable[str]) -> list[Any]:
    ids = []
    for value in values:
        try:
            ids.append(source.parse_id(value.strip()))
        except (ValueError, ValidationError):
            continue  # an id that cannot exist matches nothing
    return ids


def filtered(source: Source, user: User, query: Query) -> QuerySet[Any]:
    qs = source.queryset(user)
    for name, value in query.params:
        values = [v for v in value.split(",") if v.strip()]
        if name == "_id":
            qs = qs.filter(**{f"{source.id_field}__in": _ids(source, values)})
        elif name == "_lastUpdated":
            qs = last_updated_filter(qs, source.last_updated, value)
        elif name in source.filters:
            qs = source.filters[name](qs, values)
        else:
            return qs.none()
    return qs.order_by("-pk")


@dataclass(frozen=True)
class Page:
    rows: list[tuple[Source, Model]]
    total: int


def search(handler: Handler, user: User, query: Query) -> Page:
    """The page of rows the query asks for, across the handler's sources in order."""
    querysets = [(source, filtered(source, user, query)) for source in handler.sources]
    counts = [qs.count() for _, qs in querysets]
    rows: list[tuple[Source, Model]] = []
    skip, want = query.offset, query.count
    for (source, qs), count in zip(querysets, counts, strict=True):
        if want <= 0:
            break
        if skip >= count:
            skip -= count
            continue
        chunk = list(qs[skip : skip + want])
        rows.extend((source, row) for row in chunk)
        want -= len(chunk)
        skip = 0
    return Page(rows=rows, total=sum(counts))


def read(handler: Handler, user: User, resource_id: str) -> tuple[Source, Model]:
    """The row behind ``Type/id`` if ``user`` may see it; ``FhirError`` 404 otherwise —
    whether it does not exist or belongs to someone else."""
    for source in handler.sources:
        try:
            key = source.parse_id(resource_id)
        except (ValueError, ValidationError):
            continue
        row = source.queryset(user).filter(**{source.id_field: key}).first()
        if row is not None:
            return source, row
    raise FhirError(
        404,
        [Issue("not-found", _("%(ref)s is not known.") % {"ref": f"{handler.type}/{resource_id}"})],
    )
