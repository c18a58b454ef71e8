"""Writing the difficult-case database: marking a consultation, keeping its outcome
current from follow-up, and deciding research exports."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.medical.models import Consultation
from yilian.patients.models import Patient, Sex
from yilian.workflow.models import BusinessRequest
from yilian.workflow.selectors import conclusion_of

from . import search, selectors
from .deidentify import age_band, scrub
from .models import DifficultCase, ResearchExport

ICD10 = re.compile(r"^[A-Z]\d{2}(\.\d{1,4})?$")
MAX_TAGS = 10


def clean_icd10(value: str) -> str:
    code = value.strip().upper()
    if not ICD10.fullmatch(code):
        raise ValidationError(
            {"icd10": _("Enter an ICD-10 code such as C34.1 (a letter, two digits, a decimal).")}
        )
    return code


def clean_tags(value: str | Iterable[str]) -> list[str]:
    parts = re.split(r"[,，;；、\s]+", value) if isinstance(value, str) else list(value)
    tags = list(dict.fromkeys(t.strip()[:20] for t in parts if t.strip()))
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": _("Give at most ten tags.")})
    return tags


def _scrubber(request: BusinessRequest) -> Callable[[str], str]:
    """What takes a request's identifiers out of a text: the patient's name, national ID,
    phone, record number and address as written in their record, and the name of every
    person on the request (applicant, experts, authors, everyone on its timeline)."""
    patient = request.patient
    people = {request.applicant.name}
    people |= {o.author.name for o in request.opinions.select_related("author")}
    people |= {u.name for u in request.experts.all()}
    people |= {e.actor.name for e in request.events.select_related("actor") if e.actor}
    known: dict[str, str] = {}
    if patient is not None:
        known = {
            patient.national_id: "[证件号]",
            patient.phone: "[电话]",
            patient.medical_record_number: "[编号]",
            patient.address: "[地址]",
        }

    def clean(text: str) -> str:
        for value, mark in known.items():
            if value and len(value.strip()) >= 4:
                text = text.replace(value.strip(), mark)
        return scrub(
            text,
            patient_names=[patient.name] if patient else [],
            other_names=sorted(people),
        )

    return clean


def mark_difficult_case(
    request: BusinessRequest,
    *,
    actor: User,
    icd10: str,
    diagnosis: str,
    tags: str | Iterable[str] = "",
) -> DifficultCase:
    """Make the de-identified record of a closed consultation."""
    errors: dict[str, list[str]] = {}
    try:
        icd10 = clean_icd10(icd10)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not diagnosis.strip():
        errors["diagnosis"] = [gettext("Give the diagnosis.")]
    try:
        tag_list = clean_tags(tags)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = BusinessRequest.objects.select_for_update().get(pk=request.pk)
        if not selectors.may_mark(actor, locked):
            raise PermissionDenied(
                gettext(
                    "Only the answering team's experts or a manager may mark a closed consultation."
                )
            )
        consultation = Consultation.objects.get(request=locked)
        conclusion = conclusion_of(locked)
        clean = _scrubber(locked)
        patient: Patient | None = locked.patient
        fields = {
            "age_band": age_band(
                patient.birth_date if patient else None, timezone.localdate(locked.created_at)
            ),
            "sex": patient.sex if patient else Sex.UNKNOWN,
            "specialty": consultation.specialty,
            "icd10": icd10,
            "diagnosis": clean(diagnosis.strip())[:200],
            "summary": clean(consultation.case_summary),
            "question": clean(consultation.clinical_question),
            "opinion": clean(conclusion.body if conclusion else ""),
            "outcome": clean(_outcome(locked)),
            "tags": [clean(t) for t in tag_list],
        }
        case = DifficultCase(source=locked, marked_by=actor, **fields)
        _index(case)
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:  # marked at the same moment by someone else
            raise PermissionDenied(
                gettext("This consultation is already a difficult case.")
            ) from None
    return case


def _index(case: DifficultCase) -> None:
    texts = (case.diagnosis, case.summary, case.question, case.opinion, case.outcome, *case.tags)
    case.search_text = search.index_words(*texts)
    case.search_chars = search.index_characters(*texts)


def _outcome(request: BusinessRequest) -> str:
    """What follow-up learnt of the patient after the consultation (latest answered visit)."""
    from yilian.followups.selectors import outcome_after

    return outcome_after(request)


def refresh_outcomes(patient_id: int) -> int:
    """Bring the outcome of the patient's difficult cases up to date (a follow-up visit was
    answered); returns how many changed."""
    changed = 0
    for case in DifficultCase.objects.filter(source__patient_id=patient_id).select_related(
        "source__patient", "source__applicant"
    ):
        outcome = _scrubber(case.source)(_outcome(case.source))
        if outcome != case.outcome:
            case.outcome = outcome
            _index(case)
            case.save(update_fields=["outcome", "search_text", "search_chars", "updated_at"])
            changed += 1
    return changed


def request_export(
    *, requester: User, purpose: str, query: str = "", specialty: str = "", icd10: str = ""
) -> ResearchExport:
    if not selectors.may_read(requester):
        raise PermissionDenied
    if len(purpose.strip()) < 10:
        raise ValidationError(
            {"purpose": _("Describe the research purpose (at least ten characters).")}
        )
    if icd10.strip():
        icd10 = icd10.strip().upper()
    return ResearchExport.objects.create(
        requester=requester,
        purpose=purpose.strip(),
        query=query.strip(),
        specialty=specialty,
        icd10=icd10,
    )


def decide_export(
    export: ResearchExport, *, actor: User, approve: bool, reason: str = ""
) -> ResearchExport:
    if not actor.has_role(Role.MANAGER):
        raise PermissionDenied
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Say why the export is rejected.")})
    with transaction.atomic():
        locked = ResearchExport.objects.select_for_update().get(pk=export.pk)
        if locked.status != ResearchExport.Status.PENDING:
            raise ValidationError(
                gettext("This export was already decided (%(status)s).")
                % {"status": locked.get_status_display()}
            )
        if locked.requester_id == actor.pk:
            raise PermissionDenied(gettext("Another manager must decide your own export."))
        locked.status = (
            ResearchExport.Status.APPROVED if approve else ResearchExport.Status.REJECTED
        )
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.reason = reason.strip()
        if approve:
            locked.case_ids = list(
                selectors.search_cases(
                    query=locked.query, specialty=locked.specialty, icd10=locked.icd10
                ).values_list("pk", flat=True)
            )
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "reason", "case_ids", "updated_at"]
        )
    return locked


def count_download(export: ResearchExport, *, actor: User) -> None:
    """The requester downloads an approved export while it is valid; every download counts."""
    if not export.is_downloadable or export.requester_id != actor.pk:
        raise PermissionDenied
    from django.db.models import F

    ResearchExport.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
