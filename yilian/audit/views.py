"""The auditors' pages: the trail with filters, its export (CSV or Excel), and the archive
files of old entries."""

from __future__ import annotations

import csv
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from yilian.core.export import safe_cell, table_response
from yilian.core.pagination import paginate
from yilian.core.permissions import role_required
from yilian.patients.models import Patient

from . import selectors
from .archiving import ArchiveError, archive_path
from .forms import AuditSearchForm, PatientLookupForm
from .models import AuditAction, AuditEntry, Outcome
from .services import record

FILTERS = (
    "who",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "date_from",
    "date_to",
    "patient",
)
# An Excel sheet is read whole into memory (and stops at about a million rows): past this,
# the trail is exported as CSV, which streams.
XLSX_MAX_ROWS = 50_000


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in FILTERS}


def _search(request: HttpRequest) -> tuple[AuditSearchForm, QuerySet[AuditEntry]]:
    """The search as typed, and the entries it finds (none while a filter is malformed)."""
    form = AuditSearchForm(_filters(request))
    if not form.is_valid():
        return form, AuditEntry.objects.none()
    return form, selectors.entries_for(request.user, **_filters(request))


def _entries_page(
    request: HttpRequest, lookup: PatientLookupForm | None = None, status: int = 200
) -> HttpResponse:
    form, found = _search(request)
    page = paginate(request, found)
    context = {
        "page": page,
        "form": form,
        "filters": _filters(request),
        "lookup": lookup or PatientLookupForm(),
        "actions": AuditAction.choices,
        "outcomes": Outcome.choices,
        "object_types": selectors.object_types(),
        "export_query": urlencode({k: v for k, v in _filters(request).items() if v}),
    }
    template = "audit/entries.html#results" if request.htmx else "audit/entries.html"
    return render(request, template, context, status=status)


@require_GET
@role_required(*selectors.AUDIT_ROLES)
def entries(request: HttpRequest) -> HttpResponse:
    return _entries_page(request)


@require_POST
@role_required(*selectors.AUDIT_ROLES)
def find_patient(request: HttpRequest) -> HttpResponse:
    """Follow one patient by national ID or mobile number: the number travels in the body,
    is matched through the keyed lookup hashes, and the trail opens on the patients found
    by their public ids. The search itself is recorded (once per patient found)."""
    lookup = PatientLookupForm(request.POST)
    if not lookup.is_valid():
        return _entries_page(request, lookup)
    found = selectors.patients_by_identifier(request.user, lookup.cleaned_data["identifier"])
    patients = Patient.objects.filter(public_id__in=found).order_by("id")
    for patient in patients:
        record(request, action=AuditAction.SEARCH, target=patient, patient=patient)
    if not found:
        record(request, action=AuditAction.SEARCH)
        lookup.add_error(
            "identifier", gettext("No patient of the alliance has this national ID or number.")
        )
        return _entries_page(request, lookup)
    patient_ids = ",".join(str(public_id) for public_id in found)
    return redirect(f"{reverse('audit:entries')}?{urlencode({'patient': patient_ids})}")


class _Line:
    """A file-like object that hands back what the CSV writer writes to it."""

    def write(self, value: str) -> str:
        return value


def _header() -> list[str]:
    return [
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


def _labels() -> dict[str, dict[str, str]]:
    # Labels are translated now, in the request's language, not while streaming.
    return {
        "action": {value: str(label) for value, label in AuditAction.choices},
        "outcome": {value: str(label) for value, label in Outcome.choices},
    }


def _row(entry: AuditEntry, labels: dict[str, dict[str, str]]) -> list[Any]:
    actor = entry.actor
    return [
        safe_cell(value)
        for value in (
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            actor.name if actor else "",
            actor.phone if actor else "",
            actor.hospital.name if actor and actor.hospital else "",
            labels["action"].get(entry.action, entry.action),
            entry.object_type,
            entry.object_id,
            str(entry.patient_public_id or ""),  # type: ignore[attr-defined]
            labels["outcome"].get(entry.outcome, entry.outcome),
            entry.ip_address or "",
            entry.path,
        )
    ]


@require_GET
@role_required(*selectors.AUDIT_ROLES)
def export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The trail with the page's filters, as CSV (UTF-8 with a byte-order mark, so Excel reads
    Chinese right; streamed row by row) or as an Excel workbook. Exporting is itself
    recorded. Malformed filters send the auditor back to the page that says what is wrong."""
    form, found = _search(request)
    if not form.is_valid():
        return redirect(f"{reverse('audit:entries')}?{request.GET.urlencode()}")
    if fmt == "xlsx" and found.count() > XLSX_MAX_ROWS:
        messages.error(
            request,
            gettext("More than %(count)s entries match: narrow the filters, or export them as CSV.")
            % {"count": f"{XLSX_MAX_ROWS:,}"},
        )
        return redirect(f"{reverse('audit:entries')}?{request.GET.urlencode()}")
    record(request, action=AuditAction.EXPORT)
    labels = _labels()
    if fmt == "xlsx":
        return table_response(
            "xlsx", "audit", _header(), (_row(entry, labels) for entry in found.iterator())
        )
    response = StreamingHttpResponse(
        _csv_rows(found, _header(), labels), content_type="text/csv; charset=utf-8"
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
        yield writer.writerow(_row(entry, labels))


@require_GET
@role_required(*selectors.AUDIT_ROLES)
def archives(request: HttpRequest) -> HttpResponse:
    """The archive files the old entries were moved into (``manage.py archive_audit``)."""
    context = {
        "page": paginate(request, selectors.archives_for(request.user)),
        "retention_days": settings.YILIAN_AUDIT_RETENTION_DAYS,
    }
    return render(request, "audit/archives.html", context)


@require_GET
@role_required(*selectors.AUDIT_ROLES)
def archive_download(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """One archive file, as it was written (its checksum is on the list). Recorded."""
    archive = selectors.get_archive_for_user(request.user, public_id)
    try:
        handle = archive_path(archive).open("rb")
    except (ArchiveError, OSError):
        record(request, action=AuditAction.DOWNLOAD, target=archive, outcome=Outcome.FAILED)
        raise Http404(gettext("This archive file is not in the archive folder.")) from None
    record(request, action=AuditAction.DOWNLOAD, target=archive)
    response = FileResponse(
        handle, as_attachment=True, filename=archive.file_name, content_type="application/gzip"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
