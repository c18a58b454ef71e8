"""Every write of remote consultations.

``save_consultation`` writes an application — the engine's ``BusinessRequest`` (about a
patient) and its ``Consultation`` detail, with the case files — in one transaction: a new
draft, or the applicant's draft or returned request when given ``instance``.
``write_part`` is an assigned expert's part of an MDT opinion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.files.services import store_upload
from yilian.files.validators import DOCUMENTS, check_upload
from yilian.orgs.models import Specialty
from yilian.patients.models import Patient
from yilian.patients.selectors import patient_choice_error
from yilian.workflow.models import BusinessRequest, Opinion, Status, Urgency
from yilian.workflow.services import save_application

from .kinds import CONSULTATION
from .models import Consultation, Mode, Subtype

CASE_FILES = "case"
MAX_TEXT = 10_000
MAX_FILES = 20
MIN_MDT_SPECIALTIES = 2


@dataclass(frozen=True)
class ConsultationData:
    patient: Patient | None
    urgency: str
    subtype: str
    case_summary: str
    clinical_question: str
    specialty: str
    expert_title: str = ""
    mode: str = Mode.VIDEO
    mdt_specialties: Sequence[str] = field(default_factory=tuple)


def consultation_errors(applicant: User, data: ConsultationData) -> dict[str, Any]:
    """What is wrong with an application (empty when nothing)."""
    errors: dict[str, Any] = {}
    if (problem := patient_choice_error(applicant, data.patient)) is not None:
        errors["patient"] = problem
    if data.urgency not in Urgency.values:
        errors["urgency"] = _("Choose an urgency.")
    if data.subtype not in Subtype.values:
        errors["subtype"] = _("Choose the kind of consultation.")
    for name, message in (
        ("case_summary", _("Summarise the case: history, findings, treatment so far.")),
        ("clinical_question", _("Ask the question the experts should answer.")),
    ):
        text = str(getattr(data, name)).strip()
        if not text:
            errors[name] = message
        elif len(text) > MAX_TEXT:
            errors[name] = gettext("Keep it to %(max)d characters.") % {"max": MAX_TEXT}
    if data.specialty not in Specialty.values:
        errors["specialty"] = _("Choose the specialty you want.")
    if data.expert_title and data.expert_title not in User.Title.values:
        errors["expert_title"] = _("Choose a professional title, or none.")
    if data.mode not in Mode.values:
        errors["mode"] = _("Choose a video session or an asynchronous opinion.")
    if data.subtype == Subtype.MDT:
        chosen = list(dict.fromkeys(data.mdt_specialties))
        if any(code not in Specialty.values for code in chosen):
            errors["mdt_specialties"] = _("Choose specialties from the list.")
        elif len(chosen) < MIN_MDT_SPECIALTIES:
            errors["mdt_specialties"] = _(
                "An MDT consultation involves at least two specialties: choose them."
            )
    return errors


def consultation_title(data: ConsultationData, day: Any = None) -> str:
    """The request's title: the kind of consultation, the specialty and the date — never
    the patient (titles travel in notifications and lists)."""
    return gettext("%(subtype)s · %(specialty)s · %(date)s") % {
        "subtype": Subtype(data.subtype).label,
        "specialty": Specialty(data.specialty).label,
        "date": (day or timezone.localdate()).isoformat(),
    }


def save_consultation(
    *,
    applicant: User,
    data: ConsultationData,
    files: Sequence[UploadedFile] = (),
    instance: BusinessRequest | None = None,
) -> BusinessRequest:
    """Create a consultation application (a draft) about one of the applicant's hospital's
    patients, or update the applicant's draft or returned one; the case files are added
    to the request. Everything is written together or not at all."""
    errors = consultation_errors(applicant, data)
    if len(files) > MAX_FILES:
        errors["attachments"] = gettext("At most %(max)d files.") % {"max": MAX_FILES}
    else:
        for upload in files:
            try:
                check_upload(upload, DOCUMENTS)
            except ValidationError as exc:
                errors["attachments"] = [f"{upload.name}: {m}" for m in exc.messages]
                break
    if instance is not None and instance.kind != CONSULTATION:
        raise PermissionDenied(gettext("Only the applicant may change this application."))
    if errors:
        raise ValidationError(errors)
    assert data.patient is not None  # checked above
    day = timezone.localdate(instance.created_at) if instance is not None else None
    title = consultation_title(data, day)
    with transaction.atomic():
        request = save_application(
            kind=CONSULTATION,
            applicant=applicant,
            title=title,
            instance=instance,
            urgency=data.urgency,
            desired_start=instance.desired_start if instance else None,
            desired_end=instance.desired_end if instance else None,
            patient=data.patient,
        )
        consultation = (
            Consultation(request=request)
            if instance is None
            else Consultation.objects.get(request=request)
        )
        consultation.subtype = data.subtype
        consultation.case_summary = data.case_summary.strip()
        consultation.clinical_question = data.clinical_question.strip()
        consultation.specialty = data.specialty
        consultation.expert_title = data.expert_title
        consultation.mode = data.mode
        consultation.mdt_specialties = (
            list(dict.fromkeys(data.mdt_specialties)) if data.subtype == Subtype.MDT else []
        )
        consultation.save()
        for upload in files:
            store_upload(
                upload,
                owner=applicant,
                target=request,
                purpose=CASE_FILES,
                allowed_types=DOCUMENTS,
                check_access=False,  # the applicant writes their own application
            )
    return request


def write_part(
    request: BusinessRequest,
    *,
    actor: User,
    body: str,
    http_request: HttpRequest | None = None,
) -> Opinion:
    """An assigned expert's part of an MDT opinion: written while the consultation is in
    progress, one per expert (writing again changes it, and signs it again). Audited."""
    body = (body or "").strip()
    with transaction.atomic():
        try:
            locked = BusinessRequest.objects.select_for_update().get(pk=request.pk)
        except BusinessRequest.DoesNotExist:
            raise Http404 from None
        if not BusinessRequest.objects.visible_to(actor).filter(pk=locked.pk).exists():
            raise Http404
        if not Consultation.objects.filter(request=locked, subtype=Subtype.MDT).exists():
            raise ValidationError(
                gettext("Only MDT consultations are answered in parts."), code="not_mdt"
            )
        if not actor.can_use_business or not locked.experts.filter(pk=actor.pk).exists():
            raise PermissionDenied(
                gettext("Only the experts assigned to this consultation write a part.")
            )
        if locked.status != Status.IN_PROGRESS:
            raise ValidationError(
                gettext(
                    "Parts are written while the consultation is in progress; it is “%(status)s”."
                )
                % {"status": locked.get_status_display()},
                code="not_in_progress",
            )
        if not body:
            raise ValidationError({"body": _("Write your part of the opinion.")}, code="required")
        if len(body) > MAX_TEXT:
            raise ValidationError(
                {"body": gettext("Keep it to %(max)d characters.") % {"max": MAX_TEXT}},
                code="too_long",
            )
        part = (
            Opinion.objects.select_for_update()
            .filter(request=locked, author=actor, is_conclusion=False)
            .first()
        )
        now = timezone.now()
        if part is None:
            part = Opinion.objects.create(
                request=locked, author=actor, body=body, is_conclusion=False, signed_at=now
            )
            action = AuditAction.CREATE
        else:
            part.body = body
            part.signed_at = now
            part.save(update_fields=["body", "signed_at", "updated_at"])
            action = AuditAction.UPDATE
        record(http_request, action=action, target=part, patient=locked.patient, actor=actor)
    return part
