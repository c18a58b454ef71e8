"""The FHIR endpoints: thin — resolve the caller (``auth``), parse, call the registry or
the import service, audit, answer JSON. Every refusal is an OperationOutcome.

Every resource about a patient that leaves through here appends an audit entry (one per
patient and resource, as the request pages do); a refused read is audited as denied."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yilian.audit.models import AuditAction, Outcome
from yilian.audit.services import record

from . import search as fhir_search
from .auth import Caller, check_write, fhir_caller
from .capability import capability_statement
from .outcome import FhirError, error_response
from .registry import Context, Handler, Source, get_handler
from .responses import fhir_response
from .selectors import may_use_fhir
from .services import import_transaction

MAX_BODY = 2 * 1024 * 1024


def fhir_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answers ``FhirError`` as an OperationOutcome. CSRF is checked in ``auth.check_write``
    for session writes (a token-authenticated request has no cookie to ride on)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except FhirError as error:
            return error_response(error)

    return wrapper


def _caller(request: HttpRequest) -> Caller:
    caller = fhir_caller(request)
    if not may_use_fhir(caller.user):
        raise FhirError.one(
            403, "forbidden", _("This account has no access to the FHIR interface.")
        )
    return caller


def _handler(resource_type: str) -> Handler:
    handler = get_handler(resource_type)
    if handler is None:
        raise FhirError.one(
            404, "not-supported", _("%(type)s is not served here.") % {"type": resource_type}
        )
    return handler


def _methods(request: HttpRequest, *allowed: str) -> None:
    if request.method not in allowed:
        raise FhirError.one(
            405,
            "not-supported",
            _("%(method)s is not supported here (%(allowed)s).")
            % {"method": request.method, "allowed": ", ".join(allowed)},
        )


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:base"))


def _audit_rows(request: HttpRequest, rows: list[tuple[Source, Any]], action: str) -> None:
    for source, row in rows:
        if source.patients_of is None:
            continue
        for patient in source.patients_of(row):
            record(request, action=action, target=row, patient=patient)


# --- endpoints ---------------------------------------------------------------------------


@fhir_endpoint
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, like every FHIR server's (it holds no data)."""
    _methods(request, "GET", "HEAD")
    fhir_search.check_format(request.GET)
    return fhir_response(capability_statement(base_url(request)))


@fhir_endpoint
def base(request: HttpRequest) -> HttpResponse:
    """POST a transaction Bundle: a draft referral or consultation (``services``)."""
    _methods(request, "POST")
    caller = _caller(request)
    check_write(request, caller)
    if len(request.body) > MAX_BODY:
        raise FhirError.one(413, "too-costly", _("The Bundle is too large."))
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FhirError.one(400, "structure", _("The body is not JSON.")) from None
    try:
        imported = import_transaction(body, actor=caller.user)
    except FhirError:
        record(request, action=AuditAction.CREATE, outcome=Outcome.FAILED)
        raise
    patient, business = imported.patient, imported.request
    record(
        request,
        action=AuditAction.CREATE if imported.patient_created else AuditAction.VIEW,
        target=patient,
        patient=patient,
    )
    record(request, action=AuditAction.CREATE, target=business, patient=patient)
    entries = [
        {
            "response": {
                "status": "201 Created" if imported.patient_created else "200 OK",
                "location": f"Patient/{patient.public_id}",
                "lastModified": patient.updated_at.isoformat(),
            }
        },
        {
            "response": {
                "status": "201 Created",
                "location": f"ServiceRequest/{business.public_id}",
                "lastModified": business.updated_at.isoformat(),
            }
        },
    ]
    return fhir_response(
        {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
    )


@fhir_endpoint
def search(request: HttpRequest, resource_type: str) -> HttpResponse:
    _methods(request, "GET")
    handler = _handler(resource_type)
    caller = _caller(request)
    query = fhir_search.parse_query(
        handler,
        request.GET,
        is_lenient=fhir_search.lenient(request.headers.get("Prefer", "")),
    )
    page = fhir_search.search(handler, caller.user, query)
    if any(source.patients_of is not None for source in handler.sources):
        record(request, action=AuditAction.SEARCH)
    _audit_rows(request, page.rows, AuditAction.LIST)
    ctx = Context(user=caller.user, http_request=request)
    here = request.build_absolute_uri(request.path)
    root = base_url(request)
    links = [{"relation": "self", "url": query.link(here, query.offset)}]
    if query.offset + len(page.rows) < page.total and query.count:
        links.append({"relation": "next", "url": query.link(here, query.offset + query.count)})
    if query.offset:
        links.append(
            {"relation": "previous", "url": query.link(here, max(0, query.offset - query.count))}
        )
    entries = []
    for source, row in page.rows:
        resource = source.to_resource(row, ctx)
        entries.append(
            {
                "fullUrl": f"{root}{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
        )
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": links,
    }
    if entries:
        bundle["entry"] = entries
    return fhir_response(bundle)


@fhir_endpoint
def read(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    _methods(request, "GET")
    handler = _handler(resource_type)
    caller = _caller(request)
    fhir_search.check_format(request.GET)
    try:
        source, row = fhir_search.read(handler, caller.user, resource_id)
    except FhirError:
        if any(s.patients_of is not None for s in handler.sources):
            record(request, action=AuditAction.VIEW, outcome=Outcome.DENIED)
        raise
    _audit_rows(request, [(source, row)], AuditAction.VIEW)
    resource = source.to_resource(row, Context(user=caller.user, http_request=request))
    response = fhir_response(resource)
    last = resource.get("meta", {}).get("lastUpdated")
    if last:
        response["Last-Modified"] = http_date(datetime.fromisoformat(last).timestamp())
    return response
