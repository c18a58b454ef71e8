"""The code systems and identifier systems the facade speaks, and how workflow states
map onto FHIR's status value sets — each decided here, once.

Yilian's own vocabularies are named by ``urn:yilian:…`` URIs (stable, not resolvable);
standard ones by their HL7/LOINC/SNOMED/OID URIs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from yilian.workflow.models import Status

S = Status

FHIR_VERSION = "4.0.1"

# --- identifier systems ------------------------------------------------------------------
# The resident identity card number (居民身份证号), the OID China's health-information
# standards (WS 363/WS 364) use for it.
NATIONAL_ID_SYSTEM = "urn:oid:2.16.156.10011.1.3"
HOSPITAL_LICENCE_SYSTEM = "urn:yilian:id:hospital-licence"
PRACTITIONER_LICENCE_SYSTEM = "urn:yilian:id:practitioner-licence"


def mrn_system(hospital_public_id: object) -> str:
    """A medical record number is unique within its hospital only."""
    return f"urn:yilian:id:mrn:{hospital_public_id}"


# --- code systems ------------------------------------------------------------------------
BUSINESS_KIND_SYSTEM = "urn:yilian:code:business-kind"
BUSINESS_STATUS_SYSTEM = "urn:yilian:code:business-status"
CONSULTATION_TYPE_SYSTEM = "urn:yilian:code:consultation-type"
SPECIALTY_SYSTEM = "urn:yilian:code:specialty"
ROLE_SYSTEM = "urn:yilian:code:role"
TITLE_SYSTEM = "urn:yilian:code:professional-title"
REFERRAL_DIRECTION_SYSTEM = "urn:yilian:code:referral-direction"
AUDIT_OBJECT_SYSTEM = "urn:yilian:code:audit-object"
HOSPITAL_TIER_SYSTEM = "urn:yilian:code:hospital-tier"
ICD10_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cn"})
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
DICOM_DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"

# A resource whose identifiers are shown masked carries this security label.
MASKED_LABEL = {"system": V3_OBSERVATION_VALUE, "code": "MASKED", "display": "masked"}

# SNOMED CT codes an HIS may send instead of ours to say which business it asks for.
SNOMED_BUSINESS_KINDS: Mapping[str, str] = {
    "11429006": "consultation",  # Consultation (procedure)
    "3457005": "referral",  # Patient referral (procedure)
}

# --- workflow status → FHIR ----------------------------------------------------------------
SERVICE_REQUEST_STATUS: Mapping[str, str] = {
    S.DRAFT: "draft",
    S.RETURNED: "on-hold",
    S.SUBMITTED: "active",
    S.APPROVED: "active",
    S.DISPATCHED: "active",
    S.DECLINED: "active",
    S.CONFIRMED: "active",
    S.PUBLISHED: "active",
    S.IN_PROGRESS: "active",
    S.COMPLETED: "completed",
    S.FEEDBACK_GIVEN: "completed",
    S.CLOSED: "completed",
    S.REJECTED: "revoked",
    S.CANCELLED: "revoked",
}

TASK_STATUS: Mapping[str, str] = {
    S.DRAFT: "draft",
    S.SUBMITTED: "requested",
    S.RETURNED: "on-hold",
    S.REJECTED: "rejected",
    S.APPROVED: "received",
    S.DISPATCHED: "received",
    S.DECLINED: "received",
    S.CONFIRMED: "accepted",
    S.PUBLISHED: "ready",
    S.IN_PROGRESS: "in-progress",
    S.COMPLETED: "completed",
    S.FEEDBACK_GIVEN: "completed",
    S.CLOSED: "completed",
    S.CANCELLED: "cancelled",
}

# Only requests with a booked time are appointments (confirmed onwards).
APPOINTMENT_STATUS: Mapping[str, str] = {
    S.CONFIRMED: "booked",
    S.PUBLISHED: "booked",
    S.IN_PROGRESS: "arrived",
    S.COMPLETED: "fulfilled",
    S.FEEDBACK_GIVEN: "fulfilled",
    S.CLOSED: "fulfilled",
    S.CANCELLED: "cancelled",
}

URGENCY_PRIORITY: Mapping[str, str] = {
    "routine": "routine",
    "urgent": "urgent",
    "emergency": "stat",
}
PRIORITY_URGENCY: Mapping[str, str] = {
    "routine": "routine",
    "urgent": "urgent",
    "asap": "emergency",
    "stat": "emergency",
}


def workflow_statuses(mapping: Mapping[str, str], fhir_codes: Iterable[str]) -> list[str]:
    """The workflow statuses shown as any of ``fhir_codes`` (for the ``status`` search)."""
    wanted = set(fhir_codes)
    return [status for status, code in mapping.items() if code in wanted]


def token_code(value: str) -> str:
    """The code of a token search value (``system|code`` or ``code``)."""
    return value.rsplit("|", 1)[-1]
