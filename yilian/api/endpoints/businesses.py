"""Businesses (the closed loop): list, detail, timeline, allowed actions, taking a step,
and the attachments on a business. The pages' selectors decide what is visible, the
pages' action forms read a step's data and ``workflow.services.transition`` takes it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from yilian.audit import services as audit
from yilian.audit.models import AuditAction
from yilian.files import access
from yilian.files import selectors as file_selectors
from yilian.files import services as file_services
from yilian.workflow import rules, selectors
from yilian.workflow.forms import ACTION_FORMS, QC_CHECKLIST
from yilian.workflow.models import Action, BusinessRequest
from yilian.workflow.registry import get_kind
from yilian.workflow.services import transition

from ..errors import ApiError, errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import (
    ActionsOut,
    BusinessDetailOut,
    BusinessPage,
    EventOut,
    FileOut,
    FilePage,
    TransitionIn,
    ref,
)
from .files import file_out

router = Router(tags=["businesses"])


def _kind_label(code: str) -> str:
    try:
        return str(get_kind(code).label)
    except LookupError:
        return code


def business_out(r: BusinessRequest) -> dict[str, Any]:
    return {
        "id": r.public_id,
        "kind": r.kind,
        "kind_label": _kind_label(r.kind),
        "title": r.title,
        "status": r.status,
        "status_label": str(r.get_status_display()),
        "urgency": r.urgency,
        "applicant": ref(r.applicant),
        "applicant_hospital": ref(r.applicant_hospital),
        "patient_id": r.patient.public_id if r.patient_id else None,
        "team": ref(r.team),
        "room": ref(r.room),
        "form": r.form,
        "desired_start": r.desired_start,
        "desired_end": r.desired_end,
        "scheduled_start": r.scheduled_start,
        "scheduled_end": r.scheduled_end,
        "version": r.version,
        "due_at": r.due_at,
        "overdue": selectors.is_overdue(r),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def _detail(r: BusinessRequest, user: Any) -> dict[str, Any]:
    return {
        **business_out(r),
        "allowed_actions": selectors.allowed_actions(r, user),
        "experts": [ref(u) for u in r.experts.order_by("name")],
        "contact": r.contact,
        "arrangement": r.arrangement,
    }


def _audit_patients(request: HttpRequest, business: BusinessRequest, action: str) -> None:
    """One audit entry per patient the business is about (as its page writes)."""
    for patient in selectors.patients_of(business):
        audit.record(request, action=action, target=business, patient=patient)


class BusinessFilters(Schema):
    queue: str | None = None
    kind: str = ""
    status: str = ""
    urgency: str = ""
    hospital: str = ""
    search: str = ""
    created_from: date | None = None
    created_to: date | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@router.get(
    "/",
    response={200: BusinessPage, **errors()},
    summary="List businesses",
    description=(
        "The businesses you may see, newest first. `queue` narrows to one of your workbench "
        "queues (`mine`: your own applications; `to_review`, `to_dispatch`, `to_confirm`, "
        "`to_publish`, `today`, `to_write_opinion`, `to_give_feedback`, `to_qc`); a queue "
        "that is not yours is empty. `search` matches the title; `created_from` and "
        "`created_to` (dates, inclusive) limit the creation day; `hospital` (a hospital id) "
        "narrows for platform roles only."
    ),
)
def list_businesses(request: HttpRequest, filters: Query[BusinessFilters]) -> Any:
    user = request.user
    f = filters
    if f.queue:
        if f.queue not in selectors.QUEUES:
            raise ApiError(
                422,
                "invalid_request",
                _("Unknown queue."),
                fields={"queue": [", ".join(selectors.QUEUES)]},
            )
        qs = selectors.workbench_requests(
            user, f.queue, kind=f.kind, urgency=f.urgency, query=f.search
        )
        if f.status:
            qs = qs.filter(status=f.status)
    else:
        qs = selectors.requests_visible_to(
            user,
            kind=f.kind,
            status=f.status,
            urgency=f.urgency,
            hospital=f.hospital,
            query=f.search,
        )
    if f.created_from:
        qs = qs.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__date__lte=f.created_to)
    rows, next_cursor = page(qs.select_related("patient"), cursor=f.cursor, limit=f.limit)
    return {"items": [business_out(r) for r in rows], "next_cursor": next_cursor}


def _get(request: HttpRequest, business_id: UUID) -> BusinessRequest:
    return selectors.get_request_for_user(request.user, business_id)


@router.get(
    "/{business_id}",
    response={200: BusinessDetailOut, **errors()},
    summary="One business",
)
def get_business(request: HttpRequest, business_id: UUID) -> Any:
    business = _get(request, business_id)
    _audit_patients(request, business, AuditAction.VIEW)
    return _detail(business, request.user)


@router.get(
    "/{business_id}/timeline",
    response={200: list[EventOut], **errors()},
    summary="Timeline of a business",
    description="Every step taken, oldest first.",
)
def get_timeline(request: HttpRequest, business_id: UUID) -> Any:
    business = _get(request, business_id)
    _audit_patients(request, business, AuditAction.VIEW)
    return [
        {
            "action": e.action,
            "action_label": str(e.get_action_display()),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": ref(e.actor),
            "note": e.note,
            "at": e.created_at,
        }
        for e in selectors.timeline(business)
    ]


@router.get(
    "/{business_id}/actions",
    response={200: ActionsOut, **errors()},
    summary="Steps you may take now",
)
def get_actions(request: HttpRequest, business_id: UUID) -> Any:
    business = _get(request, business_id)
    return {
        "version": business.version,
        "actions": [
            {"action": a, "label": str(Action(a).label)}
            for a in selectors.allowed_actions(business, request.user)
        ],
    }


def _form_data(action: str, payload: TransitionIn) -> dict[str, Any]:
    """The step's data as the page's action form receives it (same field names, prefixed
    by the action), so the API and the page validate a step in one place."""
    data: dict[str, Any] = {}
    for name, value in payload.model_dump(exclude_none=True).items():
        if name == "checklist":
            for key, _label in QC_CHECKLIST:
                data[f"qc_{key}"] = bool(value.get(key))
            continue
        if isinstance(value, UUID):
            value = str(value)
        elif name == "experts":
            value = [str(v) for v in value]
        data[name] = value
    return {f"{action}-{name}": value for name, value in data.items()}


def _form_fields(form: Any) -> tuple[str, dict[str, list[str]]]:
    fields = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
    general = fields.pop("__all__", [])
    if "qc_" in "".join(fields):
        fields = {("checklist" if k.startswith("qc_") else k): v for k, v in fields.items()}
    message = general[0] if general else _("The data is not valid.")
    return message, fields


@router.post(
    "/{business_id}/actions/{action}",
    response={200: BusinessDetailOut, **errors(409)},
    summary="Take a step",
    description=(
        "Takes one step of the loop (`submit`, `approve`, `return`, `reject`, `dispatch`, "
        "`confirm`, `decline`, `publish`, `start`, `complete`, `feedback`, `close`, "
        "`withdraw`, `cancel`) with the checks of the business page: 403 when you may not "
        "take it, 409 when it is not possible in the current status or `expected_version` "
        "is stale, 422 when the data is not valid."
    ),
)
def take_action(request: HttpRequest, business_id: UUID, action: str, payload: TransitionIn) -> Any:
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    user = request.user
    business = _get(request, business_id)
    form = form_class(_form_data(action, payload), request=business, user=user)
    if not form.is_valid():
        # As on the page: say why it cannot be done before asking for better data.
        if not rules.Who(user, business).may(action):
            raise PermissionDenied(str(rules.WHO_MAY[action]))
        if action not in selectors.allowed_actions(business, user):
            raise ApiError(
                409,
                "not_possible_now",
                _("Cannot %(action)s this request: it is “%(status)s”.")
                % {"action": Action(action).label, "status": business.get_status_display()},
            )
        message, fields = _form_fields(form)
        raise ApiError(422, "invalid", message, fields=fields)
    moved = transition(
        business,
        action,
        actor=user,
        expected_version=form.cleaned_data["expected_version"],
        **form.transition_kwargs(),
    )
    return _detail(selectors.get_request_for_user(user, moved.public_id), user)


# --- attachments ------------------------------------------------------------------------


@router.get(
    "/{business_id}/attachments",
    response={200: FilePage, **errors()},
    summary="Files on a business",
    description="Oldest first; each has a `download_url`.",
)
def list_attachments(
    request: HttpRequest, business_id: UUID, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Any:
    business = _get(request, business_id)
    if not access.may_read(request.user, business):
        raise Http404
    _audit_patients(request, business, AuditAction.VIEW)
    rows, next_cursor = page(
        file_selectors.files_for(business), cursor=cursor, limit=limit, newest_first=False
    )
    return {"items": [file_out(f) for f in rows], "next_cursor": next_cursor}


@router.post(
    "/{business_id}/attachments",
    response={201: FileOut, **errors()},
    summary="Add a file to a business",
    description=(
        "multipart/form-data with one `file`. The type is read from the content "
        "(PDF, images, office documents …); the size limit is the platform's upload limit."
    ),
)
def add_attachment(request: HttpRequest, business_id: UUID, file: File[UploadedFile]) -> Any:
    business = _get(request, business_id)
    if not access.may_attach(request.user, business):
        raise PermissionDenied(_("You may not add files here."))
    try:
        asset = file_services.store_upload(file, owner=request.user, target=business)
    except ValidationError as exc:
        raise ApiError(422, "invalid_file", exc.messages[0], fields={"file": exc.messages}) from exc
    audit.record(
        request,
        action=AuditAction.UPLOAD,
        target=asset,
        patient=audit.patient_of(business),
    )
    return Status(201, file_out(asset))
