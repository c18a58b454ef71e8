"""Patient, and a business seen five ways: ServiceRequest (the application), Task (its
place in the closed loop), Appointment (its booked time), Encounter (the session held)
and Composition (the expert opinion)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yilian.patients.models import Patient, national_id_is
from yilian.patients.selectors import may_see_in_full, patients_visible_to
from yilian.realtime.models import RoomSession
from yilian.workflow.models import BusinessRequest, Opinion
from yilian.workflow.registry import get_kind
from yilian.workflow.selectors import patients_of

from .. import codes
from ..registry import REFERENCE, TOKEN, Context, Handler, Param, Source, register
from ..search import parse_uuid, reference_id
from ..selectors import (
    appointments_visible_to,
    encounters_visible_to,
    opinions_visible_to,
    requests_visible_to,
)
from .common import (
    by_reference,
    by_status,
    coding,
    compact,
    concept,
    instant,
    meta,
    narrative,
    ref,
    user_ref,
)

PATIENT = Param(REFERENCE, "The patient the resource is about (Patient/id).")


# --- Patient ------------------------------------------------------------------------------


def patient_resource(patient: Patient, ctx: Context) -> dict[str, Any]:
    """Identifiers follow the pages' rule (``may_see_in_full``): the patient's own hospital
    — its staff, administrators and the HIS connected with their tokens — sees them in
    full; an expert of another hospital sees the national ID and phone masked, no address,
    and the resource is labelled MASKED."""
    full = may_see_in_full(ctx.user, patient)
    identifiers: list[dict[str, Any]] = []
    if patient.national_id:
        identifiers.append(
            {
                "use": "official",
                "type": {"text": "Resident identity card number"},
                "system": codes.NATIONAL_ID_SYSTEM,
                "value": patient.national_id if full else patient.masked_national_id,
            }
        )
    if patient.medical_record_number:
        identifiers.append(
            {
                "use": "usual",
                "type": concept(codes.V2_IDENTIFIER_TYPE, "MR", "Medical record number"),
                "system": codes.mrn_system(patient.hospital.public_id),
                "value": patient.medical_record_number,
                "assigner": ref("Organization", patient.hospital.public_id, patient.hospital.name),
            }
        )
    phone = patient.phone if full else patient.masked_phone
    return compact(
        {
            "resourceType": "Patient",
            "id": str(patient.public_id),
            "meta": meta(patient) if full else {**meta(patient), "security": [codes.MASKED_LABEL]},
            "identifier": identifiers,
            "active": True,
            "name": [{"use": "official", "text": patient.name}],
            "telecom": [{"system": "phone", "value": phone, "use": "mobile"}] if phone else [],
            "gender": patient.sex,
            "birthDate": patient.birth_date.isoformat() if patient.birth_date else None,
            "address": [{"text": patient.address}] if full and patient.address else [],
            "managingOrganization": ref(
                "Organization", patient.hospital.public_id, patient.hospital.name
            ),
        }
    )


def _patient_identifier(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
    """``system|value``: the national ID is looked up by its keyed hash (the column is
    encrypted), a medical record number by its hospital's system; a bare value matches
    either."""
    condition = Q(pk__in=[])
    for value in values:
        system, _sep, code = value.rpartition("|")
        code = code.strip()
        if not code:
            continue
        if system in ("", codes.NATIONAL_ID_SYSTEM):
            condition |= national_id_is(code.upper())
        if system == "":
            condition |= Q(medical_record_number=code)
        elif system.startswith("urn:yilian:id:mrn:"):
            hospital = system.removeprefix("urn:yilian:id:mrn:")
            try:
                condition |= Q(hospital__public_id=parse_uuid(hospital), medical_record_number=code)
            except ValueError:
                continue
    return qs.filter(condition)


register(
    Handler(
        type="Patient",
        documentation=(
            "Patients of member hospitals, as the patient pages show them: the own "
            "hospital's staff see all; experts see patients of their open businesses, masked."
        ),
        params={
            "identifier": Param(
                TOKEN,
                f"A whole national ID ({codes.NATIONAL_ID_SYSTEM}|…) or medical record "
                "number (urn:yilian:id:mrn:<hospital id>|…).",
            )
        },
        sources=(
            Source(
                model=Patient,
                queryset=lambda user: patients_visible_to(user).select_related("hospital"),
                to_resource=patient_resource,
                parse_id=parse_uuid,
                filters={"identifier": _patient_identifier},
                patients_of=lambda patient: [patient],
            ),
        ),
    )
)


# --- ServiceRequest and Task ---------------------------------------------------------------


def kind_label(code: str) -> str:
    try:
        return str(get_kind(code).label)
    except LookupError:
        return code


def subject(request: BusinessRequest) -> dict[str, Any]:
    """The patient; a business about no patient (training, study visits) is for the
    applicant hospital, shown as a Location by name."""
    if request.patient is not None:
        return ref("Patient", request.patient.public_id)
    return {"type": "Location", "display": request.applicant_hospital.name}


def performers(request: BusinessRequest) -> list[dict[str, Any]]:
    experts = [user_ref(u) for u in request.experts.all()]
    if experts:
        return [e for e in experts if e]
    if request.team is not None:
        return [{"display": request.team.name}]
    return []


def _kind_detail(request: BusinessRequest) -> dict[str, Any]:
    """The consultation's or referral's own fields, in ServiceRequest's elements."""
    consultation = getattr(request, "consultation", None)
    if consultation is not None:
        return {
            "code": concept(
                codes.CONSULTATION_TYPE_SYSTEM,
                consultation.subtype,
                consultation.get_subtype_display(),
            ),
            "performerType": concept(
                codes.SPECIALTY_SYSTEM,
                consultation.specialty,
                consultation.get_specialty_display(),
            ),
            "reasonCode": [{"text": consultation.clinical_question}],
            "note": [{"text": consultation.case_summary}],
        }
    referral = getattr(request, "referral", None)
    if referral is not None:
        return {
            "code": concept(
                codes.REFERRAL_DIRECTION_SYSTEM,
                referral.direction,
                referral.get_direction_display(),
            ),
            "performerType": concept(
                codes.SPECIALTY_SYSTEM,
                referral.target_department.specialty,
                referral.target_department.get_specialty_display(),
                text=referral.target_department.name,
            ),
            "reasonCode": [
                concept(
                    "http://hl7.org/fhir/sid/icd-10",
                    referral.diagnosis_code,
                    referral.diagnosis_text,
                    text=referral.diagnosis_text,
                )
            ],
            "note": [{"text": referral.reason}],
            "_target": ref(
                "Organization", referral.target_hospital.public_id, referral.target_hospital.name
            ),
        }
    return {"code": {"text": request.title}}


def service_request(request: BusinessRequest, ctx: Context) -> dict[str, Any]:
    detail = _kind_detail(request)
    target = detail.pop("_target", None)
    period = compact(
        {
            "start": instant(request.scheduled_start or request.desired_start),
            "end": instant(request.scheduled_end or request.desired_end),
        }
    )
    performer = performers(request)
    if target is not None:
        performer = [target, *performer]
    return compact(
        {
            "resourceType": "ServiceRequest",
            "id": str(request.public_id),
            "meta": meta(request),
            "status": codes.SERVICE_REQUEST_STATUS[request.status],
            "intent": "order",
            "category": [
                concept(codes.BUSINESS_KIND_SYSTEM, request.kind, kind_label(request.kind))
            ],
            "priority": codes.URGENCY_PRIORITY.get(request.urgency, "routine"),
            **compact(detail),
            "subject": subject(request),
            "occurrencePeriod": period,
            "authoredOn": instant(request.created_at),
            "requester": user_ref(request.applicant),
            "performer": performer,
        }
    )


def task_owner(request: BusinessRequest) -> dict[str, Any] | None:
    """Who must act now on the business's execution: the team lead once dispatched, the
    first assigned expert, or the team by name."""
    team = request.team
    if team is not None and team.lead is not None:
        return ref("Practitioner", team.lead.public_id, team.lead.name)
    experts = list(request.experts.all())
    if experts:
        return user_ref(experts[0])
    if team is not None:
        return {"display": team.name}
    return None


def task(request: BusinessRequest, ctx: Context) -> dict[str, Any]:
    return compact(
        {
            "resourceType": "Task",
            "id": str(request.public_id),
            "meta": meta(request),
            "basedOn": [ref("ServiceRequest", request.public_id)],
            "status": codes.TASK_STATUS[request.status],
            "businessStatus": concept(
                codes.BUSINESS_STATUS_SYSTEM, request.status, request.get_status_display()
            ),
            "intent": "order",
            "priority": codes.URGENCY_PRIORITY.get(request.urgency, "routine"),
            "code": concept("http://hl7.org/fhir/CodeSystem/task-code", "fulfill", "Fulfill"),
            "description": request.title,
            "focus": ref("ServiceRequest", request.public_id),
            "for": ref("Patient", request.patient.public_id) if request.patient else None,
            "executionPeriod": compact(
                {"start": instant(request.started_at), "end": instant(request.completed_at)}
            ),
            "authoredOn": instant(request.created_at),
            "lastModified": instant(request.updated_at),
            "requester": user_ref(request.applicant),
            "owner": task_owner(request),
        }
    )


def _performer(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
    ids = []
    for value in values:
        try:
            ids.append(parse_uuid(reference_id(value, "Practitioner")))
        except ValueError:
            continue
    return qs.filter(Q(experts__public_id__in=ids) | Q(team__lead__public_id__in=ids)).distinct()


def _requests(user: Any) -> QuerySet[BusinessRequest]:
    return requests_visible_to(user).select_related("team__lead")


REQUEST_FILTERS = {
    "patient": by_reference("Patient", "patient__public_id"),
    "requester": by_reference("Practitioner", "applicant__public_id"),
}

register(
    Handler(
        type="ServiceRequest",
        documentation=(
            "A business (consultation, referral, …) as its applicant filled it in; "
            "category is the kind. Searchable and readable as the request pages are."
        ),
        params={
            "patient": PATIENT,
            "status": Param(TOKEN, "draft | active | on-hold | completed | revoked"),
            "requester": Param(REFERENCE, "The applicant (Practitioner/id)."),
            "performer": Param(REFERENCE, "An assigned expert or team lead (Practitioner/id)."),
        },
        sources=(
            Source(
                model=BusinessRequest,
                queryset=_requests,
                to_resource=service_request,
                parse_id=parse_uuid,
                filters={
                    **REQUEST_FILTERS,
                    "status": by_status(codes.SERVICE_REQUEST_STATUS),
                    "performer": _performer,
                },
                patients_of=patients_of,
            ),
        ),
    )
)

register(
    Handler(
        type="Task",
        documentation=(
            "The business's place in the closed loop: status (FHIR's) and businessStatus "
            f"({codes.BUSINESS_STATUS_SYSTEM}: the workflow state), owner. Same id as its "
            "ServiceRequest."
        ),
        params={
            "patient": PATIENT,
            "status": Param(TOKEN, "The FHIR task status (requested, accepted, completed, …)."),
            "requester": Param(REFERENCE, "The applicant (Practitioner/id)."),
            "owner": Param(REFERENCE, "The team lead or expert who owns it (Practitioner/id)."),
        },
        sources=(
            Source(
                model=BusinessRequest,
                queryset=_requests,
                to_resource=task,
                parse_id=parse_uuid,
                filters={
                    **REQUEST_FILTERS,
                    "status": by_status(codes.TASK_STATUS),
                    "owner": _performer,
                },
                patients_of=patients_of,
            ),
        ),
    )
)


# --- Appointment and Encounter ---------------------------------------------------------------


def _participants(request: BusinessRequest) -> list[dict[str, Any]]:
    people = [{"actor": user_ref(request.applicant), "required": "required", "status": "accepted"}]
    people += [
        {"actor": user_ref(u), "required": "required", "status": "accepted"}
        for u in request.experts.all()
    ]
    if request.patient is not None:
        people.insert(
            0,
            {
                "actor": ref("Patient", request.patient.public_id),
                "required": "required",
                "status": "accepted",
            },
        )
    return people


def appointment(request: BusinessRequest, ctx: Context) -> dict[str, Any]:
    return compact(
        {
            "resourceType": "Appointment",
            "id": str(request.public_id),
            "meta": meta(request),
            "status": codes.APPOINTMENT_STATUS.get(request.status, "booked"),
            "serviceCategory": [
                concept(codes.BUSINESS_KIND_SYSTEM, request.kind, kind_label(request.kind))
            ],
            "description": request.title,
            "start": instant(request.scheduled_start),
            "end": instant(request.scheduled_end),
            "created": request.created_at.date().isoformat(),
            "comment": request.arrangement,
            "basedOn": [ref("ServiceRequest", request.public_id)],
            "participant": _participants(request),
        }
    )


register(
    Handler(
        type="Appointment",
        documentation="The booked time of a business (confirmed onwards). Same id as its "
        "ServiceRequest.",
        params={
            "patient": PATIENT,
            "status": Param(TOKEN, "booked | arrived | fulfilled | cancelled"),
        },
        sources=(
            Source(
                model=BusinessRequest,
                queryset=appointments_visible_to,
                to_resource=appointment,
                parse_id=parse_uuid,
                filters={
                    "patient": REQUEST_FILTERS["patient"],
                    "status": by_status(codes.APPOINTMENT_STATUS),
                },
                patients_of=patients_of,
            ),
        ),
    )
)


def encounter_status(session: RoomSession) -> str:
    return "finished" if session.ended_at is not None else "in-progress"


def encounter(session: RoomSession, ctx: Context) -> dict[str, Any]:
    request = session.request
    assert request is not None  # only business sessions are encounters
    return compact(
        {
            "resourceType": "Encounter",
            "id": str(session.public_id),
            "meta": meta(session),
            "status": encounter_status(session),
            "class": coding(codes.V3_ACT_CODE, "VR", "virtual"),
            "serviceType": concept(
                codes.BUSINESS_KIND_SYSTEM, request.kind, kind_label(request.kind)
            ),
            "subject": ref("Patient", request.patient.public_id) if request.patient else None,
            "basedOn": [ref("ServiceRequest", request.public_id)],
            "appointment": (
                [ref("Appointment", request.public_id)] if request.scheduled_start else []
            ),
            "participant": [{"individual": user_ref(session.host)}] if session.host else [],
            "period": compact(
                {
                    "start": instant(request.started_at or session.created_at),
                    "end": instant(session.ended_at),
                }
            ),
            "serviceProvider": ref(
                "Organization",
                request.applicant_hospital.public_id,
                request.applicant_hospital.name,
            ),
        }
    )


def _encounter_status(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
    wanted = {codes.token_code(v) for v in values}
    condition = Q(pk__in=[])
    if "finished" in wanted:
        condition |= Q(ended_at__isnull=False)
    if "in-progress" in wanted:
        condition |= Q(ended_at__isnull=True)
    return qs.filter(condition)


register(
    Handler(
        type="Encounter",
        documentation="A session held in a cloud room for a business (virtual encounter).",
        params={"patient": PATIENT, "status": Param(TOKEN, "in-progress | finished")},
        sources=(
            Source(
                model=RoomSession,
                queryset=encounters_visible_to,
                to_resource=encounter,
                parse_id=parse_uuid,
                filters={
                    "patient": by_reference("Patient", "request__patient__public_id"),
                    "status": _encounter_status,
                },
                patients_of=lambda session: patients_of(session.request),
            ),
        ),
    )
)


# --- Composition -------------------------------------------------------------------------------


def composition(opinion: Opinion, ctx: Context) -> dict[str, Any]:
    request = opinion.request
    session = getattr(request, "room_session", None)
    title = _("Expert opinion") if opinion.is_conclusion else _("Expert's part of the opinion")
    return compact(
        {
            "resourceType": "Composition",
            "id": str(opinion.public_id),
            "meta": meta(opinion),
            "status": "final" if opinion.signed_at else "preliminary",
            "type": concept(codes.LOINC, "11488-4", "Consult note"),
            "subject": ref("Patient", request.patient.public_id) if request.patient else None,
            "encounter": ref("Encounter", session.public_id) if session is not None else None,
            "date": instant(opinion.signed_at or opinion.created_at),
            "author": [user_ref(opinion.author)],
            "title": str(title),
            "event": [{"detail": [ref("ServiceRequest", request.public_id)]}],
            "section": [{"title": str(title), "text": narrative(opinion.body)}],
        }
    )


def _opinion_status(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
    wanted = {codes.token_code(v) for v in values}
    condition = Q(pk__in=[])
    if "final" in wanted:
        condition |= Q(signed_at__isnull=False)
    if "preliminary" in wanted:
        condition |= Q(signed_at__isnull=True)
    return qs.filter(condition)


register(
    Handler(
        type="Composition",
        documentation="The execution team's opinion on a business (final once signed); "
        "an MDT expert's part is a preliminary composition of its own.",
        params={"patient": PATIENT, "status": Param(TOKEN, "preliminary | final")},
        sources=(
            Source(
                model=Opinion,
                queryset=opinions_visible_to,
                to_resource=composition,
                parse_id=parse_uuid,
                filters={
                    "patient": by_reference("Patient", "request__patient__public_id"),
                    "status": _opinion_status,
                },
                patients_of=lambda opinion: patients_of(opinion.request),
            ),
        ),
    )
)
