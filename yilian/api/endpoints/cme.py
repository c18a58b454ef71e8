"""CME classes: the classes a member may enrol in, one class with its sessions and the
caller's enrolment, enrolling and cancelling (the same services as the class page), and
the caller's credits."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from yilian.teaching import cme_selectors as selectors
from yilian.teaching import cme_services as services
from yilian.teaching.models import CmeClass, Credit, Enrolment
from yilian.teaching.policies import is_learner

from ..errors import errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import CmeClassDetailOut, CmeClassPage, CreditPage, EnrolmentOut

router = Router(tags=["teaching"])


def _learner(request: HttpRequest) -> None:
    if not is_learner(request.user):
        raise PermissionDenied(_("CME classes are for members of the alliance."))


def _class_out(c: CmeClass) -> dict[str, Any]:
    return {
        "id": c.public_id,
        "title": c.title,
        "description": c.description,
        "credit_class": c.credit_class,
        "credit_amount": float(c.credit_amount),
        "quota": c.quota,
        "places_left": selectors.places_left(c),
        "needs_approval": c.needs_approval,
        "enrol_opens": c.enrol_opens,
        "enrol_closes": c.enrol_closes,
        "enrolment_open": selectors.enrolment_open(c),
        "published": c.published,
        "created_at": c.created_at,
    }


def _enrolment_out(e: Enrolment | None, cme_class: CmeClass) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "id": e.public_id,
        "class_id": cme_class.public_id,
        "status": e.status,
        "status_label": e.get_status_display(),
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def _credit_out(c: Credit) -> dict[str, Any]:
    return {
        "id": c.public_id,
        "class_id": c.cme_class.public_id,
        "class_title": c.cme_class.title,
        "credit_class": c.credit_class,
        "amount": float(c.amount),
        "issued_at": c.issued_at,
        "code": c.display_code,
    }


@router.get(
    "/cme-classes",
    response={200: CmeClassPage, **errors()},
    summary="CME classes",
    description=(
        "Published classes (organisers also see their own drafts, managers every class), "
        "newest first; `search` in title and description, `when`: open / upcoming / past, "
        "`credit_class`: I / II."
    ),
)
def list_classes(
    request: HttpRequest,
    search: str = "",
    when: str = "",
    credit_class: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Any:
    _learner(request)
    qs = selectors.classes_for(
        request.user, query=search.strip()[:100], when=when, credit_class=credit_class
    )
    rows, next_cursor = page(qs, cursor=cursor, limit=limit)
    return {"items": [_class_out(c) for c in rows], "next_cursor": next_cursor}


@router.get(
    "/cme-classes/{class_id}",
    response={200: CmeClassDetailOut, **errors()},
    summary="One CME class with its sessions, places left and your enrolment",
)
def get_class(request: HttpRequest, class_id: UUID) -> Any:
    _learner(request)
    cme_class = selectors.get_class(request.user, class_id)
    sessions = [
        {
            "id": s.public_id,
            "title": s.title,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "online": s.room_id is not None,
            "place": s.place,
        }
        for s in selectors.sessions_of(cme_class)
    ]
    enrolment = selectors.enrolment_of(request.user, cme_class)
    return {
        **_class_out(cme_class),
        "sessions": sessions,
        "enrolment": _enrolment_out(enrolment, cme_class),
    }


@router.post(
    "/cme-classes/{class_id}/enrolment",
    response={200: EnrolmentOut, **errors()},
    summary="Enrol in a CME class",
    description=(
        "Enrolled at once, or awaiting approval when the class asks for it; enrolling again "
        "changes nothing. 422 when enrolment is not open, the class is full or the "
        "enrolment was refused."
    ),
)
def enrol(request: HttpRequest, class_id: UUID) -> Any:
    _learner(request)
    cme_class = selectors.get_class(request.user, class_id)
    enrolment = services.enrol(cme_class, learner=request.user)
    return _enrolment_out(enrolment, cme_class)


@router.delete(
    "/cme-classes/{class_id}/enrolment",
    response={200: EnrolmentOut, **errors()},
    summary="Cancel your enrolment in a CME class",
    description="404 when you are not enrolled; 422 once credits were issued for it.",
)
def cancel(request: HttpRequest, class_id: UUID) -> Any:
    _learner(request)
    cme_class = selectors.get_class(request.user, class_id)
    enrolment = selectors.enrolment_of(request.user, cme_class)
    if enrolment is None:
        raise Http404
    enrolment = services.cancel_enrolment(enrolment, actor=request.user)
    return _enrolment_out(enrolment, cme_class)


@router.get(
    "/credits",
    response={200: CreditPage, **errors()},
    summary="Your CME credits",
    description="The credits issued to you, latest first, with their verification codes.",
)
def list_credits(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Any:
    _learner(request)
    rows, next_cursor = page(
        selectors.my_credits(request.user), cursor=cursor, limit=limit, time_field="issued_at"
    )
    return {"items": [_credit_out(c) for c in rows], "next_cursor": next_cursor}
