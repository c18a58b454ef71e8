"""QuestionnaireResponse (follow-up answers, capability assessments), DocumentReference
(files attached to a business, linked to their authorised download) and AuditEvent (the
audit trail, for the roles that may read it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from yilian.accession.models import Assessment
from yilian.accession.selectors import assessments_for
from yilian.audit.models import AuditAction, AuditEntry, Outcome
from yilian.audit.selectors import entries_for
from yilian.files.models import FileAsset
from yilian.followups.models import FollowUpVisit
from yilian.workflow.models import BusinessRequest

from .. import codes
from ..registry import REFERENCE, TOKEN, Context, Handler, Param, Source, register
from ..search import parse_uuid
from ..selectors import documents_visible_to, follow_up_answers_visible_to
from .common import by_reference, coding, compact, instant, meta, ref, user_ref

# --- QuestionnaireResponse ------------------------------------------------------------------


def _answer(value: Any) -> list[dict[str, Any]]:
    if value is None or value == "":
        return []
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    if isinstance(value, float | Decimal):
        return [{"valueDecimal": float(value)}]
    return [{"valueString": str(value)}]


def follow_up_response(visit: FollowUpVisit, ctx: Context) -> dict[str, Any]:
    plan = visit.plan
    items = []
    for number, question in enumerate(plan.questions, start=1):
        item = compact(
            {
                "linkId": f"q{number}",
                "text": str(question.get("label", "")),
                "answer": _answer(visit.answers.get(f"q{number}")),
            }
        )
        items.append(item)
    return compact(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(visit.public_id),
            "meta": meta(visit),
            "identifier": {
                "system": "urn:yilian:id:follow-up",
                "value": f"{plan.reference}-{visit.number}",
            },
            "basedOn": [ref("ServiceRequest", plan.request.public_id)],
            "status": "completed",
            "subject": ref("Patient", plan.patient.public_id),
            "authored": instant(visit.answered_at),
            "author": ref("Patient", plan.patient.public_id),
            "source": ref("Patient", plan.patient.public_id),
            "item": items,
        }
    )


def assessment_response(assessment: Assessment, ctx: Context) -> dict[str, Any]:
    items = [
        compact(
            {
                "linkId": str(answer.get("question", index)),
                "text": str(answer.get("text", "")),
                "answer": _answer(answer.get("value")),
            }
        )
        for index, answer in enumerate(assessment.answers)
    ]
    score = assessment.score
    if score is not None:
        items.append({"linkId": "score", "text": "Score", "answer": _answer(Decimal(score))})
    return compact(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(assessment.public_id),
            "meta": meta(assessment),
            "identifier": {
                "system": "urn:yilian:id:capability-assessment",
                "value": f"{assessment.hospital.licence_code}-{assessment.year}",
            },
            "status": "completed",
            "subject": ref("Organization", assessment.hospital.public_id, assessment.hospital.name),
            "authored": instant(assessment.submitted_at),
            "author": user_ref(assessment.submitted_by),
            "item": items,
        }
    )


def _submitted_assessments(user: Any) -> QuerySet[Assessment]:
    return (
        assessments_for(user).exclude(status=Assessment.Status.OPEN).select_related("submitted_by")
    )


def _completed(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
    """Every response served is complete (open visits and assessments are not served)."""
    return qs if "completed" in {codes.token_code(v) for v in values} else qs.none()


register(
    Handler(
        type="QuestionnaireResponse",
        documentation=(
            "A patient's answers to a follow-up visit (subject: the Patient), and a "
            "hospital's submitted capability assessment (subject: the Organization)."
        ),
        params={
            "patient": Param(REFERENCE, "The patient who answered (Patient/id)."),
            "status": Param(TOKEN, "completed"),
        },
        sources=(
            Source(
                model=FollowUpVisit,
                queryset=follow_up_answers_visible_to,
                to_resource=follow_up_response,
                parse_id=parse_uuid,
                filters={
                    "patient": by_reference("Patient", "plan__patient__public_id"),
                    "status": _completed,
                },
                patients_of=lambda visit: [visit.plan.patient],
            ),
            Source(
                model=Assessment,
                queryset=_submitted_assessments,
                to_resource=assessment_response,
                parse_id=parse_uuid,
                filters={"status": _completed},
            ),
        ),
    )
)


# --- DocumentReference ---------------------------------------------------------------------


def _request_of(asset: FileAsset) -> BusinessRequest:
    target = asset.target
    assert isinstance(target, BusinessRequest)  # documents_visible_to serves these only
    return target


def document_reference(asset: FileAsset, ctx: Context) -> dict[str, Any]:
    request = _request_of(asset)
    return compact(
        {
            "resourceType": "DocumentReference",
            "id": str(asset.public_id),
            "meta": meta(asset),
            "status": "current",
            "type": {"text": asset.purpose or "attachment"},
            "subject": ref("Patient", request.patient.public_id) if request.patient else None,
            "date": instant(asset.created_at),
            "author": [user_ref(asset.owner)],
            "description": asset.original_name,
            "content": [
                {
                    "attachment": {
                        "contentType": asset.mime_type,
                        "url": ctx.absolute(reverse("files:download", args=[asset.public_id])),
                        "size": asset.size,
                        "title": asset.original_name,
                        "creation": instant(asset.created_at),
                    }
                }
            ],
            "context": {"related": [ref("ServiceRequest", request.public_id)]},
        }
    )


def _document_patient(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
    requests = by_reference("Patient", "patient__public_id")(
        BusinessRequest.objects.all(), values
    ).values("pk")
    return qs.filter(target_id__in=requests)


def _document_request(qs: QuerySet[Any], values: list[str]) -> QuerySet[Any]:
    requests = by_reference("ServiceRequest", "public_id")(
        BusinessRequest.objects.all(), values
    ).values("pk")
    return qs.filter(target_id__in=requests)


register(
    Handler(
        type="DocumentReference",
        documentation=(
            "Files attached to a business; content.attachment.url is the authorised "
            "download (the same check and audit as the request page's link)."
        ),
        params={
            "patient": Param(REFERENCE, "The patient of the business (Patient/id)."),
            "related": Param(REFERENCE, "The business (ServiceRequest/id)."),
        },
        sources=(
            Source(
                model=FileAsset,
                queryset=documents_visible_to,
                to_resource=document_reference,
                parse_id=parse_uuid,
                filters={"patient": _document_patient, "related": _document_request},
                patients_of=lambda asset: [p for p in [_request_of(asset).patient] if p],
            ),
        ),
    )
)


# --- AuditEvent -----------------------------------------------------------------------------

# AuditEvent.action: Create, Read, Update, Execute.
_ACTION: dict[str, str] = {
    AuditAction.VIEW: "R",
    AuditAction.LIST: "R",
    AuditAction.SEARCH: "E",
    AuditAction.CREATE: "C",
    AuditAction.UPDATE: "U",
    AuditAction.DOWNLOAD: "R",
    AuditAction.UPLOAD: "C",
    AuditAction.EXPORT: "E",
    AuditAction.SIGN: "U",
}
# AuditEvent.outcome: 0 success, 4 minor failure (refused), 8 serious failure.
_OUTCOME: dict[str, str] = {Outcome.OK: "0", Outcome.DENIED: "4", Outcome.FAILED: "8"}


def audit_event(entry: AuditEntry, ctx: Context) -> dict[str, Any]:
    agent = compact(
        {
            "who": user_ref(entry.actor) if entry.actor else {"display": "anonymous"},
            "requestor": True,
            "network": {"address": entry.ip_address, "type": "2"} if entry.ip_address else None,
        }
    )
    entities: list[dict[str, Any]] = []
    if entry.object_type:
        entities.append(
            compact(
                {
                    "what": {
                        "identifier": {
                            "system": f"{codes.AUDIT_OBJECT_SYSTEM}:{entry.object_type}",
                            "value": entry.object_id,
                        }
                    }
                    if entry.object_id
                    else {"display": entry.object_type},
                    "type": coding(codes.AUDIT_OBJECT_SYSTEM, entry.object_type),
                }
            )
        )
    patient_id = getattr(entry, "patient_public_id", None)
    if patient_id:
        entities.append(
            {
                "what": ref("Patient", patient_id),
                "type": coding(
                    "http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"
                ),
            }
        )
    return compact(
        {
            "resourceType": "AuditEvent",
            "id": str(entry.pk),
            "meta": meta(entry, "at"),
            "type": coding(codes.DICOM_DCM, "110110", "Patient Record"),
            "subtype": [coding(codes.AUDIT_EVENT_TYPE, "rest", "RESTful Operation")]
            if entry.path.startswith("/fhir/")
            else [],
            "action": _ACTION.get(entry.action, "E"),
            "recorded": instant(entry.at),
            "outcome": _OUTCOME.get(entry.outcome, "8"),
            "outcomeDesc": entry.get_action_display() + " · " + entry.get_outcome_display(),
            "agent": [agent],
            "source": {"observer": {"display": "Yilian"}},
            "entity": entities,
        }
    )


def _int_id(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


register(
    Handler(
        type="AuditEvent",
        documentation="The audit trail of patient data, for auditors and security "
        "administrators only (everyone else finds nothing).",
        params={"patient": Param(REFERENCE, "The patient whose record was touched (Patient/id).")},
        sources=(
            Source(
                model=AuditEntry,
                queryset=lambda user: entries_for(user),
                to_resource=audit_event,
                id_field="pk",
                parse_id=_int_id,
                last_updated="at",
                filters={"patient": by_reference("Patient", "patient__public_id")},
            ),
        ),
    )
)
