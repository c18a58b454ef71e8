"""Importing a referral or consultation from a hospital's system.

``import_transaction`` takes a FHIR transaction Bundle with one Patient and one
ServiceRequest and — through the services the pages use (``register_patient``,
``save_consultation``, ``save_referral``) — creates a DRAFT request in the sender's
hospital, for its staff to review, record the consent and submit. Everything is written
together or nothing is (``FhirError`` with the issues)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle

from yilian.accounts.models import User
from yilian.medical.kinds import CONSULTATION
from yilian.medical.models import Mode, Subtype
from yilian.medical.services import ConsultationData, save_consultation
from yilian.orgs.models import Department, Hospital, Specialty
from yilian.patients.identity import normalise_national_id
from yilian.patients.models import Patient, national_id_is
from yilian.patients.services import may_write_patients, register_patient
from yilian.referrals.kinds import REFERRAL
from yilian.referrals.models import Direction
from yilian.referrals.services import ReferralData, may_receive, save_referral
from yilian.workflow.models import BusinessRequest

from . import codes
from .outcome import FhirError, Issue
from .search import parse_uuid, reference_id

IMPORTABLE_KINDS = (CONSULTATION, REFERRAL)

# Where each service field is read from, for the issues' expressions.
PATIENT_FIELDS = {
    "name": "name",
    "sex": "gender",
    "birth_date": "birthDate",
    "national_id": "identifier",
    "medical_record_number": "identifier",
    "phone": "telecom",
    "address": "address",
}
REQUEST_FIELDS = {
    "patient": "subject",
    "urgency": "priority",
    "subtype": "code",
    "case_summary": "note",
    "clinical_question": "reasonCode",
    "specialty": "performerType",
    "mdt_specialties": "performerType",
    "expert_title": "performerType",
    "mode": "code",
    "attachments": "supportingInfo",
    "direction": "code",
    "target_hospital": "performer",
    "target_department": "performerType",
    "diagnosis_code": "reasonCode",
    "diagnosis_text": "reasonCode",
    "reason": "note",
    "title": "code",
}


@dataclass(frozen=True)
class Imported:
    patient: Patient
    patient_created: bool
    request: BusinessRequest


def _invalid(diagnostics: str, expression: str = "Bundle") -> FhirError:
    return FhirError.one(400, "invalid", diagnostics, expression)


def _structure_errors(body: Any) -> None:
    """The Bundle must be a valid FHIR R4 Bundle (fhir.resources) before we read it."""
    try:
        Bundle.model_validate(body)
    except pydantic.ValidationError as exc:
        issues = []
        for error in exc.errors()[:20]:
            path = "Bundle" + "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
            )
            issues.append(Issue("structure", str(error["msg"]), path))
        raise FhirError(400, issues) from None
    except (TypeError, ValueError) as exc:
        raise _invalid(_("Not a FHIR Bundle: %(error)s") % {"error": exc}) from None


@dataclass(frozen=True)
class _Entry:
    index: int
    full_url: str
    resource: Mapping[str, Any]

    def at(self, element: str = "") -> str:
        path = f"Bundle.entry[{self.index}].resource"
        return f"{path}.{element}" if element else path


def _entries(body: Mapping[str, Any]) -> tuple[_Entry, _Entry]:
    if body.get("type") != "transaction":
        raise _invalid(_("Send a Bundle of type “transaction”."), "Bundle.type")
    found: dict[str, _Entry] = {}
    for index, entry in enumerate(body.get("entry") or []):
        resource = entry.get("resource") or {}
        kind = resource.get("resourceType", "")
        method = (entry.get("request") or {}).get("method")
        if kind not in ("Patient", "ServiceRequest"):
            raise FhirError.one(
                400,
                "not-supported",
                _("A transaction holds one Patient and one ServiceRequest only."),
                f"Bundle.entry[{index}]",
            )
        if method != "POST":
            raise FhirError.one(
                400,
                "not-supported",
                _("Entries are created with POST."),
                f"Bundle.entry[{index}].request.method",
            )
        if kind in found:
            raise _invalid(
                _("The Bundle holds more than one %(type)s.") % {"type": kind},
                f"Bundle.entry[{index}]",
            )
        found[kind] = _Entry(index, entry.get("fullUrl", ""), resource)
    if set(found) != {"Patient", "ServiceRequest"}:
        raise _invalid(_("The Bundle needs one Patient and one ServiceRequest."), "Bundle.entry")
    patient, request = found["Patient"], found["ServiceRequest"]
    subject = (request.resource.get("subject") or {}).get("reference", "")
    if not patient.full_url or subject != patient.full_url:
        raise _invalid(
            _("ServiceRequest.subject must refer to the Patient entry’s fullUrl."),
            request.at("subject"),
        )
    return patient, request


def _codings(element: Any) -> list[Mapping[str, Any]]:
    if isinstance(element, list):
        return [c for item in element for c in _codings(item)]
    if isinstance(element, Mapping):
        return list(element.get("coding") or [])
    return []


def _code_in(element: Any, system: str) -> str:
    return next((c.get("code", "") for c in _codings(element) if c.get("system") == system), "")


def _text(element: Any) -> str:
    """The text of a CodeableConcept/Annotation (or a list of them: the first)."""
    if isinstance(element, list):
        return next((t for t in (_text(e) for e in element) if t), "")
    if isinstance(element, Mapping):
        return str(element.get("text") or "").strip()
    return ""


def kind_of(request: _Entry) -> str:
    """The business asked for: our business-kind code (category or code), or the SNOMED CT
    code of a consultation or referral."""
    for element in (request.resource.get("category"), request.resource.get("code")):
        for item in _codings(element):
            if item.get("system") == codes.BUSINESS_KIND_SYSTEM:
                code = item.get("code", "")
            elif item.get("system") == codes.SNOMED:
                code = codes.SNOMED_BUSINESS_KINDS.get(item.get("code", ""), "")
            else:
                continue
            if code in IMPORTABLE_KINDS:
                return code
    raise FhirError.one(
        400,
        "not-supported",
        _(
            "Say the business in ServiceRequest.category: %(system)s “consultation” or "
            "“referral” (or SNOMED CT 11429006 / 3457005)."
        )
        % {"system": codes.BUSINESS_KIND_SYSTEM},
        request.at("category"),
    )


# --- the patient ---------------------------------------------------------------------------


def _patient_values(entry: _Entry) -> dict[str, Any]:
    r = entry.resource
    names = r.get("name") or []
    name = ""
    if names:
        first = names[0]
        name = first.get("text") or "".join([first.get("family", ""), *first.get("given", [])])
    national_id = mrn = ""
    for identifier in r.get("identifier") or []:
        system = identifier.get("system", "")
        type_codes = {c.get("code") for c in _codings(identifier.get("type"))}
        if system == codes.NATIONAL_ID_SYSTEM:
            national_id = identifier.get("value", "")
        elif "MR" in type_codes or system.startswith("urn:yilian:id:mrn:"):
            mrn = identifier.get("value", "")
    phone = next(
        (t.get("value", "") for t in r.get("telecom") or [] if t.get("system") == "phone"), ""
    )
    address = _text(r.get("address"))
    gender = r.get("gender", "")
    birth: date | None = None
    if r.get("birthDate"):
        try:
            birth = parse_date(r["birthDate"])
        except ValueError:
            birth = None
        if birth is None:
            raise _invalid(_("birthDate is not a date (YYYY-MM-DD)."), entry.at("birthDate"))
    return {
        "name": name,
        "sex": gender if gender in ("male", "female") else "",
        "birth_date": birth,
        "national_id": national_id,
        "phone": phone,
        "medical_record_number": mrn,
        "address": address,
    }


def _existing_patient(actor: User, values: Mapping[str, Any]) -> Patient | None:
    """The sender hospital's record of the same person (national ID or record number):
    an HIS sending a second referral of a patient reuses the record, as it stands."""
    assert actor.hospital_id is not None  # may_write_patients checked it
    same_hospital = Patient.objects.filter(hospital_id=actor.hospital_id)
    national_id = normalise_national_id(values["national_id"])
    if national_id:
        found = same_hospital.filter(national_id_is(national_id)).first()
        if found is not None:
            return found
    if values["medical_record_number"]:
        return same_hospital.filter(
            medical_record_number=values["medical_record_number"].strip()
        ).first()
    return None


# --- the request ------------------------------------------------------------------------------


def _urgency(entry: _Entry) -> str:
    priority = entry.resource.get("priority", "routine")
    urgency = codes.PRIORITY_URGENCY.get(priority)
    if urgency is None:
        raise _invalid(_("priority is routine, urgent, asap or stat."), entry.at("priority"))
    return urgency


def _specialties(entry: _Entry) -> list[str]:
    return [
        c.get("code", "")
        for c in _codings(entry.resource.get("performerType"))
        if c.get("system") == codes.SPECIALTY_SYSTEM
    ]


def _consultation(entry: _Entry, patient: Patient) -> ConsultationData:
    r = entry.resource
    specialties = _specialties(entry)
    subtype = _code_in(r.get("code"), codes.CONSULTATION_TYPE_SYSTEM) or Subtype.GENERAL
    return ConsultationData(
        patient=patient,
        urgency=_urgency(entry),
        subtype=subtype,
        case_summary=_text(r.get("note")),
        clinical_question=_text(r.get("reasonCode")),
        specialty=specialties[0] if specialties else "",
        mode=Mode.VIDEO,
        mdt_specialties=tuple(specialties) if subtype == Subtype.MDT else (),
    )


def _target_hospital(entry: _Entry) -> Hospital | None:
    for performer in entry.resource.get("performer") or []:
        try:
            key = parse_uuid(reference_id(performer.get("reference", ""), "Organization"))
        except ValueError:
            continue
        return Hospital.objects.filter(public_id=key).first()
    return None


def _referral(entry: _Entry, patient: Patient, actor: User) -> ReferralData:
    r = entry.resource
    target = _target_hospital(entry)
    specialties = [s for s in _specialties(entry) if s in Specialty.values]
    department = None
    if target is not None and specialties:
        department = (
            Department.objects.filter(hospital=target, specialty=specialties[0], is_active=True)
            .order_by("name", "pk")
            .first()
        )
    direction = _code_in(r.get("code"), codes.REFERRAL_DIRECTION_SYSTEM)
    if not direction and target is not None and actor.hospital is not None:
        direction = Direction.UP if may_receive(actor.hospital, target, Direction.UP) else "down"
    diagnosis = next(
        (c for c in _codings(r.get("reasonCode")) if c.get("system") in codes.ICD10_SYSTEMS), {}
    )
    return ReferralData(
        patient=patient,
        direction=direction or Direction.UP,
        target_hospital=target,
        target_department=department,
        diagnosis_code=diagnosis.get("code", ""),
        diagnosis_text=diagnosis.get("display", "") or _text(r.get("reasonCode")),
        reason=_text(r.get("note")),
        urgency=_urgency(entry),
    )


def _issues(exc: ValidationError, entry: _Entry, fields: Mapping[str, str]) -> list[Issue]:
    if not hasattr(exc, "error_dict"):
        return [Issue("invariant", str(m), entry.at()) for m in exc.messages]
    issues = []
    for name, errors in exc.message_dict.items():
        for message in errors:
            issues.append(Issue("invariant", str(message), entry.at(fields.get(name, ""))))
    return issues


def import_transaction(body: Any, *, actor: User) -> Imported:
    """Create the draft (see the module's docstring); ``FhirError`` with the reasons when
    anything is wrong, and then nothing is saved."""
    if not isinstance(body, Mapping) or body.get("resourceType") != "Bundle":
        raise _invalid(_("POST a Bundle of type “transaction” to the base URL."))
    _structure_errors(body)
    patient_entry, request_entry = _entries(body)
    kind = kind_of(request_entry)
    if not may_write_patients(actor):
        raise FhirError.one(
            403, "forbidden", _("Only the staff of a member hospital may send referrals.")
        )
    values = _patient_values(patient_entry)
    try:
        with transaction.atomic():
            patient = _existing_patient(actor, values)
            created = patient is None
            if patient is None:
                try:
                    patient = register_patient(actor=actor, **values)
                except ValidationError as exc:
                    raise FhirError(400, _issues(exc, patient_entry, PATIENT_FIELDS)) from None
            try:
                if kind == CONSULTATION:
                    request = save_consultation(
                        applicant=actor, data=_consultation(request_entry, patient)
                    )
                else:
                    request = save_referral(
                        applicant=actor, data=_referral(request_entry, patient, actor)
                    )
            except ValidationError as exc:
                raise FhirError(400, _issues(exc, request_entry, REQUEST_FIELDS)) from None
    except PermissionDenied as exc:
        raise FhirError.one(403, "forbidden", str(exc) or _("Not allowed.")) from None
    return Imported(patient=patient, patient_created=created, request=request)
