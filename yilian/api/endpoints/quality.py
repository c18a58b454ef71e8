"""Data reporting: the datasets a hospital reports, its reports (the management team: every
hospital's) and one report with its values and the reviewers' comments — scoped by
``yilian.reporting.selectors``: another hospital's report is not found."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.reporting import selectors
from yilian.reporting.models import Dataset, Status, Submission
from yilian.reporting.services import StaleReport, save_report, stored_values

from ..errors import ApiError, errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import DatasetPage, ReportDetailOut, ReportPage, ReportSubmitIn, ref

router = Router(tags=["quality"])


def _reporter(request: HttpRequest) -> None:
    user = request.user
    if not (selectors.may_fill(user) or selectors.may_view_rates(user)):
        raise PermissionDenied(_("Data reporting is for hospital staff and the management team."))


def _datasets(request: HttpRequest) -> list[Dataset]:
    user = request.user
    if selectors.may_view_rates(user):
        return list(selectors.datasets_for_rates(user).filter(is_active=True))
    assert user.hospital is not None
    return selectors.datasets_of(user.hospital)


def _dataset_out(d: Dataset) -> dict[str, Any]:
    return {
        "id": d.public_id,
        "code": d.code,
        "name": d.name,
        "description": d.description,
        "frequency": d.frequency,
        "is_active": d.is_active,
        "created_at": d.created_at,
    }


def _report_out(s: Submission) -> dict[str, Any]:
    p = s.period
    return {
        "id": s.public_id,
        "dataset": ref(s.dataset),
        "period": {
            "id": p.public_id,
            "label": p.label,
            "start": p.start,
            "end": p.end,
            "deadline": p.deadline,
        },
        "hospital": ref(s.hospital),
        "status": s.status,
        "status_label": s.get_status_display(),
        "version": s.version,
        "first_submitted_at": s.first_submitted_at,
        "submitted_at": s.submitted_at,
        "accepted_at": s.accepted_at,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


@router.get(
    "/datasets",
    response={200: DatasetPage, **errors()},
    summary="Datasets",
    description="The datasets your hospital reports (the management team: every dataset in use).",
)
def list_datasets(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Any:
    _reporter(request)
    rows, next_cursor = page(_datasets(request), cursor=cursor, limit=limit)
    return {"items": [_dataset_out(d) for d in rows], "next_cursor": next_cursor}


@router.get(
    "/reports",
    response={200: ReportPage, **errors()},
    summary="Reports",
    description=(
        "Your hospital's reports (the management team: every hospital's), newest first; "
        "filter by `dataset` and `period` (ids) and `status`."
    ),
)
def list_reports(
    request: HttpRequest,
    dataset: UUID | None = None,
    period: UUID | None = None,
    status: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Any:
    _reporter(request)
    qs = selectors.submissions_visible_to(request.user)
    if dataset is not None:
        qs = qs.filter(dataset__public_id=dataset)
    if period is not None:
        qs = qs.filter(period__public_id=period)
    if status in Status.values:
        qs = qs.filter(status=status)
    rows, next_cursor = page(qs, cursor=cursor, limit=limit)
    return {"items": [_report_out(s) for s in rows], "next_cursor": next_cursor}


@router.get(
    "/reports/{report_id}",
    response={200: ReportDetailOut, **errors()},
    summary="One report with its values and the reviewers' comments",
    description="Send `version` back when you change the report: a stale version is refused.",
)
def get_report(request: HttpRequest, report_id: UUID) -> Any:
    _reporter(request)
    submission = selectors.get_submission_for_user(request.user, report_id)
    record(request, action=AuditAction.VIEW, target=submission)
    return _report_detail(submission)


def _report_detail(submission: Submission) -> dict[str, Any]:
    stored = stored_values(submission)
    values = [
        {
            "code": i.code,
            "label": i.label,
            "type": i.type,
            "unit": i.unit,
            "value": None if stored.get(i.code) is None else str(stored[i.code]),
        }
        for i in submission.dataset.indicators.order_by("position", "pk")
    ]
    comments = {str(k): str(v) for k, v in (submission.comments or {}).items()}
    return {**_report_out(submission), "values": values, "comments": comments}


@router.post(
    "/reports/{report_id}/submit",
    response={200: ReportDetailOut, **errors(409)},
    summary="Submit your hospital's report",
    description=(
        "The same checks as the report page: every problem at its indicator (422, `fields` "
        "by indicator code); 409 when the report changed since `expected_version`, or is "
        "under review or accepted."
    ),
)
def submit_report(request: HttpRequest, report_id: UUID, payload: ReportSubmitIn) -> Any:
    _reporter(request)
    submission = selectors.get_submission_for_user(request.user, report_id)
    if submission.hospital_id != request.user.hospital_id:
        raise PermissionDenied(_("Only staff of the report's hospital submit it."))
    try:
        saved = save_report(
            actor=request.user,
            period=submission.period,
            raw=payload.values,
            expected_version=payload.expected_version,
            submit=True,
        )
    except StaleReport as exc:
        raise ApiError(409, "stale_version", exc.messages[0]) from None
    except ValidationError as exc:
        if getattr(exc, "code", None) == "locked":
            raise ApiError(409, "not_possible_now", exc.messages[0]) from None
        raise
    record(request, action=AuditAction.UPDATE, target=saved)
    return _report_detail(saved)
