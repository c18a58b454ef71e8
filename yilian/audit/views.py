"""The auditors' pages: the trail with filters, and its export as a spreadsheet (CSV)."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from yilian.core.export import safe_cell
from yilian.core.pagination import paginate
from yilian.core.permissions import role_required

from . import selectors
from .models import AuditAction, AuditEntry, Outcome
from .services import record

FILTERS = ("who", "action", "outcome", "object_type", "date_from", "date_to", "patient")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in FILTERS}


@require_GET
@role_required(*selectors.AUDIT_ROLES)
def entries(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = paginate(request, selectors.entries_for(request.user, **filters))
    context = {
        "page": page,
        "filters": filters,
        "actions": AuditAction.choices,
        "outcomes": Outcome.choices,
        "object_types": selectors.object_types(),
        "export_query": request.GET.urlencode(),
    }
    template = "audit/entries.html#results" if request.htmx else "audit/entries.html"
    return render(request, template, context)


class _Line:
    """A file-like object that hands back what the CSV writer writes to it."""

    def write(self, value: str) -> str:
        return value


@require_GET
@role_required(*selectors.AUDIT_ROLES)
def export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered trail as CSV (UTF-8 with a byte-order mark, so Excel reads Chinese
    right), streamed row by row. Exporting is itself recorded."""
    record(request, action=AuditAction.EXPORT)
    entries = selectors.entries_for(request.user, **_filters(request))
    # Labels are translated now, in the request's language, not while streaming.
    header = [
        gettext("When"),
        gettext("Who"),
        gettext("Phone"),
        gettext("Hospital"),
        gettext("Action"),
        gettext("Object type"),
        gettext("Object id"),
        gettext("Patient id"),
        gettext("Outcome"),
        gettext("IP address"),
        gettext("Page"),
    ]
    labels = {
        "action": {value: str(label) for value, label in AuditAction.choices},
        "outcome": {value: str(label) for value, label in Outcome.choices},
    }
    response = StreamingHttpResponse(
        _csv_rows(entries, header, labels), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


async def _csv_rows(
    entries: Any, header: list[str], labels: dict[str, dict[str, str]]
) -> AsyncIterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    entry: AuditEntry
    async for entry in entries.aiterator(chunk_size=500):
        actor = entry.actor
        yield writer.writerow(
            [
                timezone.localtime(entry.at).isoformat(timespec="seconds"),
                safe_cell(actor.name) if actor else "",
                actor.phone if actor else "",
                safe_cell(actor.hospital.name) if actor and actor.hospital else "",
                labels["action"].get(entry.action, entry.action),
                entry.object_type,
                entry.object_id,
                str(entry.patient_public_id or ""),
                labels["outcome"].get(entry.outcome, entry.outcome),
                entry.ip_address or "",
                entry.path,
            ]
        )
