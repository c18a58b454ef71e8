"""Cursor pagination: a page of rows in a stable order by (a time, the public id) and an
opaque cursor that continues after its last row — rows added meanwhile neither repeat nor
shift the next page, unlike page numbers."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema

from .errors import ApiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _encode(moment: datetime, ident: Any) -> str:
    raw = json.dumps([moment.isoformat(), str(ident)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, id_field: str) -> tuple[datetime, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None:
            raise ValueError("naive")
        return at, UUID(ident) if id_field == "public_id" else int(ident)
    except (ValueError, TypeError, binascii.Error, UnicodeError, AttributeError):
        raise ApiError(400, "invalid_cursor", _("The cursor is not valid.")) from None


class Page(Schema):
    """What a list answers: its rows, and the cursor of the next page (null: the last)."""

    next_cursor: str | None = None


def page(
    rows: QuerySet[Any] | Sequence[Any],
    *,
    cursor: str | None,
    limit: int,
    time_field: str = "created_at",
    newest_first: bool = True,
    id_field: str = "public_id",
) -> tuple[list[Any], str | None]:
    """One page of ``rows`` ordered by (``time_field``, ``id_field``) — descending when
    ``newest_first`` — after ``cursor``; returns the rows and the next cursor. The id is
    the public id (rows without one — audit entries — use their row number)."""
    limit = max(1, min(limit, MAX_LIMIT))
    after = _decode(cursor, id_field) if cursor else None
    if isinstance(rows, QuerySet):
        sign = "-" if newest_first else ""
        qs = rows.order_by(f"{sign}{time_field}", f"{sign}{id_field}")
        if after is not None:
            op = "lt" if newest_first else "gt"
            moment, ident = after
            qs = qs.filter(
                Q(**{f"{time_field}__{op}": moment})
                | Q(**{time_field: moment, f"{id_field}__{op}": ident})
            )
        found = list(qs[: limit + 1])
    else:

        def key(row: Any) -> tuple[datetime, str]:
            return getattr(row, time_field), str(getattr(row, id_field))

        ordered = sorted(rows, key=key, reverse=newest_first)
        if after is not None:
            mark = (after[0], str(after[1]))
            ordered = [r for r in ordered if (key(r) < mark if newest_first else key(r) > mark)]
        found = ordered[: limit + 1]
    more = len(found) > limit
    found = found[:limit]
    next_cursor = None
    if more:
        last = found[-1]
        next_cursor = _encode(getattr(last, time_field), getattr(last, id_field))
    return found, next_cursor
