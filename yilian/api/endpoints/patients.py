"""Patients, scoped and audited as the patient pages are: the hospital's own staff list
and search them (identifiers masked in lists), a record shows identifiers in full only to
the patient's own hospital, and every read — or refused read — is an audit entry."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from yilian.audit.models import AuditAction, Outcome
from yilian.audit.selectors import entries_for_patient
from yilian.audit.services import record
from yilian.patients import selectors
from yilian.patients.models import Patient
from yilian.patients.services import WRITER_ROLES

from ..auth import READ_AUTH
from ..errors import errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import AccessPage, PatientOut, PatientPage, PatientSearchIn, ref

router = Router(tags=["patients"])


def patient_out(p: Patient, *, in_full: bool) -> dict[str, Any]:
    return {
        "id": p.public_id,
        "hospital": ref(p.hospital),
        "name": p.name,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "medical_record_number": p.medical_record_number,
        "national_id": p.national_id if in_full else p.masked_national_id,
        "phone": p.phone if in_full else p.masked_phone,
        "address": p.address if in_full else None,
        "identifiers_masked": not in_full,
    }


def _hospital_staff(request: HttpRequest) -> None:
    if not request.user.has_role(*WRITER_ROLES):
        raise PermissionDenied(_("Only the staff of a hospital list its patients."))


@router.get(
    "/",
    response={200: PatientPage, **errors()},
    summary="Your hospital's patients",
    description="Newest first; national IDs and phone numbers are masked in lists.",
)
def list_patients(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Any:
    _hospital_staff(request)
    patients = selectors.hospital_patients(request.user).select_related("hospital")
    rows, next_cursor = page(patients, cursor=cursor, limit=limit)
    record(request, action=AuditAction.LIST)
    return {"items": [patient_out(p, in_full=False) for p in rows], "next_cursor": next_cursor}


@router.post(
    "/search",
    auth=READ_AUTH,
    response={200: PatientPage, **errors()},
    summary="Search your hospital's patients",
    description=(
        "POSTed so that names and numbers stay out of URLs and access logs (a read-only "
        "token may call it). A whole national ID or mobile number finds the patient by "
        "it; anything else matches the name or the medical record number."
    ),
)
def search_patients(request: HttpRequest, payload: PatientSearchIn) -> Any:
    _hospital_staff(request)
    query = payload.query.strip()[:100]
    rows, next_cursor = page(
        selectors.search_patients(request.user, query).select_related("hospital"),
        cursor=payload.cursor,
        limit=payload.limit,
    )
    record(request, action=AuditAction.SEARCH if query else AuditAction.LIST)
    return {"items": [patient_out(p, in_full=False) for p in rows], "next_cursor": next_cursor}


def _patient(request: HttpRequest, patient_id: UUID) -> Patient:
    """The patient if the caller may see them; a refused attempt is audited, then 404."""
    try:
        return selectors.get_patient_for_user(request.user, patient_id)
    except Http404:
        record(request, action=AuditAction.VIEW, outcome=Outcome.DENIED)
        raise


@router.get("/{patient_id}", response={200: PatientOut, **errors()}, summary="One patient")
def get_patient(request: HttpRequest, patient_id: UUID) -> Any:
    patient = _patient(request, patient_id)
    record(request, action=AuditAction.VIEW, target=patient, patient=patient)
    return patient_out(patient, in_full=selectors.may_see_in_full(request.user, patient))


@router.get(
    "/{patient_id}/access",
    response={200: AccessPage, **errors()},
    summary="Who accessed this patient's data",
    description="The patient's own hospital only (403 for experts of other hospitals).",
)
def patient_access(
    request: HttpRequest, patient_id: UUID, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Any:
    patient = _patient(request, patient_id)
    if not selectors.may_see_in_full(request.user, patient):
        record(
            request,
            action=AuditAction.VIEW,
            target=patient,
            patient=patient,
            outcome=Outcome.DENIED,
        )
        raise PermissionDenied(_("Only the patient's own hospital sees who accessed the record."))
    record(request, action=AuditAction.VIEW, target=patient, patient=patient)
    rows, next_cursor = page(
        entries_for_patient(patient), cursor=cursor, limit=limit, time_field="at", id_field="id"
    )
    return {
        "items": [
            {"at": e.at, "actor": ref(e.actor), "action": e.action, "outcome": e.outcome}
            for e in rows
        ],
        "next_cursor": next_cursor,
    }
