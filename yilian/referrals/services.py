"""Every write of two-way referrals.

``save_referral`` writes an application — the engine's ``BusinessRequest`` (about a
patient) and its ``Referral`` detail — in one transaction: a new draft, or the applicant's
draft or returned request when given ``instance``. A patient has at most one open
referral (not cancelled, rejected or closed): the patient's row is locked while this is
checked, so two referrals of the same patient saved at the same moment cannot both pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.orgs.models import Department, Hospital
from yilian.patients.models import Patient
from yilian.patients.selectors import patient_choice_error
from yilian.workflow.models import BusinessRequest, Status, Urgency
from yilian.workflow.services import save_application

from .kinds import REFERRAL
from .models import Direction, Referral

MAX_TEXT = 10_000
MAX_DIAGNOSIS = 200
ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
# A referral in these no longer counts as open.
FINISHED_STATUSES = frozenset({Status.CANCELLED, Status.REJECTED, Status.CLOSED})
# Higher is a higher tier.
TIER_RANK: dict[str, int] = {
    Hospital.Tier.TOWNSHIP: 0,
    Hospital.Tier.COUNTY: 1,
    Hospital.Tier.CITY: 2,
    Hospital.Tier.PROVINCE: 3,
}


@dataclass(frozen=True)
class ReferralData:
    patient: Patient | None
    direction: str
    target_hospital: Hospital | None
    target_department: Department | None
    diagnosis_code: str
    diagnosis_text: str
    reason: str
    urgency: str = Urgency.ROUTINE


def normalise_icd10(code: str) -> str:
    return (code or "").strip().upper()


def may_receive(sender: Hospital, target: Hospital, direction: str) -> bool:
    """Whether ``target`` may receive a referral from ``sender`` in ``direction``: an
    active member other than the sender; going up, a higher tier or the lead hospital."""
    if target.status != Hospital.Status.ACTIVE or target.pk == sender.pk:
        return False
    if target.alliance_id != sender.alliance_id:
        return False
    if direction == Direction.UP:
        return target.is_lead or TIER_RANK.get(target.tier, -1) > TIER_RANK.get(sender.tier, -1)
    return direction == Direction.DOWN


def referral_errors(applicant: User, data: ReferralData) -> dict[str, Any]:
    """What is wrong with an application (empty when nothing)."""
    errors: dict[str, Any] = {}
    if (problem := patient_choice_error(applicant, data.patient)) is not None:
        errors["patient"] = problem
    if data.urgency not in Urgency.values:
        errors["urgency"] = _("Choose an urgency.")
    if data.direction not in Direction.values:
        errors["direction"] = _("Choose whether the patient is referred up or down.")
    sender = applicant.hospital
    if data.target_hospital is None:
        errors["target_hospital"] = _("Choose the receiving hospital.")
    elif sender is None or not may_receive(sender, data.target_hospital, data.direction):
        if data.direction == Direction.UP:
            errors["target_hospital"] = _(
                "An upward referral goes to a hospital of a higher tier or to the lead hospital."
            )
        else:
            errors["target_hospital"] = _("Choose another active member hospital.")
    if data.target_department is None:
        errors["target_department"] = _("Choose the receiving department.")
    elif data.target_hospital is not None and (
        data.target_department.hospital_id != data.target_hospital.pk
        or not data.target_department.is_active
    ):
        errors["target_department"] = _("Choose a department of the receiving hospital.")
    code = normalise_icd10(data.diagnosis_code)
    if not code:
        errors["diagnosis_code"] = _("Give the ICD-10 code of the diagnosis.")
    elif not ICD10.match(code):
        errors["diagnosis_code"] = _("Give an ICD-10 code such as I21.4 or J18.")
    text = (data.diagnosis_text or "").strip()
    if not text:
        errors["diagnosis_text"] = _("Write the diagnosis.")
    elif len(text) > MAX_DIAGNOSIS:
        errors["diagnosis_text"] = gettext("Keep it to %(max)d characters.") % {
            "max": MAX_DIAGNOSIS
        }
    reason = (data.reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the patient is referred.")
    elif len(reason) > MAX_TEXT:
        errors["reason"] = gettext("Keep it to %(max)d characters.") % {"max": MAX_TEXT}
    return errors


def open_referral_of(patient: Patient, *, exclude: BusinessRequest | None = None) -> Any:
    """The patient's open referral (not cancelled, rejected or closed), or None."""
    qs = BusinessRequest.objects.filter(kind=REFERRAL, patient=patient).exclude(
        status__in=FINISHED_STATUSES
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("-created_at", "-id").first()


def referral_title(data: ReferralData, day: Any = None) -> str:
    """The request's title: the direction, the receiving department and the date — never
    the patient (titles travel in notifications and lists)."""
    assert data.target_department is not None
    return gettext("%(direction)s · %(department)s · %(date)s") % {
        "direction": Direction(data.direction).label,
        "department": data.target_department.name,
        "date": (day or timezone.localdate()).isoformat(),
    }


def save_referral(
    *, applicant: User, data: ReferralData, instance: BusinessRequest | None = None
) -> BusinessRequest:
    """Create a referral (a draft) of one of the applicant's hospital's patients, or
    update the applicant's draft or returned one. Refused while the patient has another
    open referral. Everything is written together or not at all."""
    if instance is not None and instance.kind != REFERRAL:
        raise PermissionDenied(gettext("Only the applicant may change this application."))
    errors = referral_errors(applicant, data)
    if errors:
        raise ValidationError(errors)
    assert data.patient is not None and data.target_hospital is not None
    day = timezone.localdate(instance.created_at) if instance is not None else None
    title = referral_title(data, day)
    with transaction.atomic():
        # One open referral per patient: decided with the patient's row locked.
        patient = Patient.objects.select_for_update().get(pk=data.patient.pk)
        other = open_referral_of(patient, exclude=instance)
        if other is not None:
            raise ValidationError(
                {
                    "patient": gettext(
                        "This patient already has an open referral: “%(title)s” (%(status)s). "
                        "Finish or cancel it before referring the patient again."
                    )
                    % {"title": other.title, "status": other.get_status_display()}
                },
                code="open_referral",
            )
        request = save_application(
            kind=REFERRAL,
            applicant=applicant,
            title=title,
            instance=instance,
            urgency=data.urgency,
            desired_start=instance.desired_start if instance else None,
            desired_end=instance.desired_end if instance else None,
            patient=patient,
        )
        referral = (
            Referral(request=request) if instance is None else Referral.objects.get(request=request)
        )
        referral.direction = data.direction
        referral.reason = data.reason.strip()
        referral.diagnosis_code = normalise_icd10(data.diagnosis_code)
        referral.diagnosis_text = data.diagnosis_text.strip()
        referral.target_hospital = data.target_hospital
        referral.target_department = data.target_department  # type: ignore[assignment]
        referral.save()
    return request
