"""Every write of single-disease management: registries (platform administrators), cases
and discharge counts (the hospitals' staff)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.analytics.services import record_activity
from yilian.orgs.models import Alliance
from yilian.patients.models import Patient
from yilian.patients.selectors import patient_choice_error
from yilian.workflow.models import Action

from . import definitions
from .models import Case, CaseRevision, CaseStatus, DischargeCount, Registry

# The business kind analytics counts a submitted case under (the quality module's code).
ACTIVITY_KIND = "single_disease"
DESIGNER_ROLES = frozenset({Role.PLATFORM_ADMIN})
REPORTER_ROLES = frozenset({Role.STAFF, Role.HOSPITAL_ADMIN})


def may_design(user: User) -> bool:
    return bool(user.is_authenticated and user.can_use_business and user.has_role(*DESIGNER_ROLES))


def may_report(user: User) -> bool:
    """Staff and administrators of a member hospital report its cases and discharges."""
    return bool(
        user.is_authenticated
        and user.can_use_business
        and user.hospital_id
        and user.has_role(*REPORTER_ROLES)
    )


# --- registries ---------------------------------------------------------------------------


class RegistryInvalid(ValidationError):
    """The definition's problems, keyed by the part of the definition they belong to."""


@dataclass(frozen=True)
class RegistryData:
    code: str
    name: str
    icd_patterns: list[str]
    fields: Any
    derived: Any = None
    indicators: Any = None
    description: str = ""
    is_active: bool = True


def check_definition(data: RegistryData) -> dict[str, Any]:
    """The definition's stored form, every part checked (:func:`definitions.check_definition`,
    the same check its pages make on the stored one); ``RegistryInvalid`` lists each problem
    under ``icd_patterns``, ``fields``, ``derived`` or ``indicators``."""
    try:
        checked = definitions.check_definition(
            icd_patterns=data.icd_patterns,
            fields=data.fields,
            derived=data.derived,
            indicators=data.indicators,
        )
    except definitions.DefinitionInvalid as exc:
        raise RegistryInvalid(exc.error_dict) from None
    return {
        "icd_patterns": checked.icd_patterns,
        "fields": data.fields,
        "derived": data.derived or [],
        "indicators": data.indicators or [],
    }


def save_registry(*, actor: User, data: RegistryData, instance: Registry | None = None) -> Registry:
    """Create or change a registry of ``actor``'s alliance. A change of the form keeps the
    answers cases already hold (a removed field's answers stay stored, unread)."""
    if not may_design(actor) or actor.hospital is None:
        raise PermissionDenied(_("Only platform administrators define disease registries."))
    cleaned = check_definition(data)
    alliance: Alliance = actor.hospital.alliance
    code = data.code.strip()
    clash = Registry.objects.filter(alliance=alliance, code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if not code or clash.exists():
        raise RegistryInvalid({"code": [_("Another registry has this code.")]})
    registry = instance or Registry(alliance=alliance, created_by=actor)
    registry.code = code
    registry.name = data.name.strip()
    registry.description = data.description.strip()
    registry.is_active = data.is_active
    for key, value in cleaned.items():
        setattr(registry, key, value)
    registry.save()
    registry.forget_definition()
    return registry


# --- cases --------------------------------------------------------------------------------


class DefinitionUnusable(ValidationError):
    """A case of a registry whose stored definition is invalid: refused until it is
    corrected. The message says so and what is wrong."""

    def __init__(self, registry: Registry) -> None:
        super().__init__(
            [registry.definition_notice, *registry.definition_problems], code="definition_invalid"
        )


class CaseInvalid(ValidationError):
    """Per-field messages: the case's own fields and the form's keys ("answers.<key>")."""


@dataclass(frozen=True)
class CaseData:
    patient: Patient | None
    diagnosis_code: str
    admission_date: date | None
    discharge_date: date | None
    answers: Mapping[str, Any]


def _clean_case(
    actor: User, registry: Registry, data: CaseData, *, complete: bool
) -> dict[str, Any]:
    """The case's values, or ``CaseInvalid`` with a message for each wrong field. Nothing is
    written against a registry whose stored definition is invalid."""
    if registry.definition_problems:
        raise DefinitionUnusable(registry)
    errors: dict[str, str] = {}
    problem = patient_choice_error(actor, data.patient)
    if problem:
        errors["patient"] = problem
    code = definitions.normalise_icd(data.diagnosis_code)
    if not code:
        errors["diagnosis_code"] = _("Give the discharge diagnosis's ICD-10 code.")
    elif not definitions.icd_matches(code, registry.icd_patterns):
        errors["diagnosis_code"] = _(
            "%(code)s is not a diagnosis of this registry (%(codes)s)."
        ) % {"code": code, "codes": registry.icd_display}
    if data.admission_date is None:
        errors["admission_date"] = _("Give the admission date.")
    elif data.admission_date > timezone.localdate():
        errors["admission_date"] = _("The admission date is in the future.")
    if data.discharge_date is None:
        if complete:
            errors["discharge_date"] = _("Give the discharge date before submitting.")
    elif data.discharge_date > timezone.localdate():
        errors["discharge_date"] = _("The discharge date is in the future.")
    elif data.admission_date and data.discharge_date < data.admission_date:
        errors["discharge_date"] = _("The discharge date is before the admission date.")
    answers, answer_errors = definitions.clean_answers(
        registry.form_fields, data.answers, complete=complete
    )
    errors.update({f"answers.{key}": message for key, message in answer_errors.items()})
    if errors:
        raise CaseInvalid({k: [v] for k, v in errors.items()})
    return {
        "patient": data.patient,
        "diagnosis_code": code,
        "admission_date": data.admission_date,
        "discharge_date": data.discharge_date,
        "answers": answers,
    }


def _duplicate_error() -> CaseInvalid:
    return CaseInvalid(
        {"admission_date": [_("This patient's admission on this date is already reported.")]}
    )


def create_case(*, actor: User, registry: Registry, data: CaseData, submit: bool) -> Case:
    """A new case of ``actor``'s hospital, saved as a draft or submitted at once."""
    if not may_report(actor):
        raise PermissionDenied(_("Only the staff of a member hospital report cases."))
    if not registry.is_active:
        raise PermissionDenied(_("This registry is closed for reporting."))
    values = _clean_case(actor, registry, data, complete=submit)
    hospital = actor.hospital
    assert hospital is not None  # may_report: a member of a hospital
    if (
        values["patient"] is not None
        and Case.objects.filter(
            registry=registry, patient=values["patient"], admission_date=values["admission_date"]
        ).exists()
    ):
        raise _duplicate_error()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                registry=registry,
                hospital=hospital,
                created_by=actor,
                **values,
            )
            if submit:
                _mark_submitted(case, actor)
    except IntegrityError:  # the same admission reported a moment ago
        raise _duplicate_error() from None
    return case


def update_case(
    case: Case, *, actor: User, data: CaseData, expected_version: int, submit: bool
) -> Case:
    """Change a case (and submit it, from a draft). A submitted case stays submitted and
    every change to it leaves a revision; a stale form (someone saved in between) is
    refused rather than overwriting their change."""
    if not may_edit(actor, case):
        raise PermissionDenied(_("Only the case's hospital may change it."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("registry").get(pk=case.pk)
        if locked.version != expected_version:
            raise CaseInvalid(
                _(
                    "Someone else saved this case while you were editing it. Open it again "
                    "to see their change."
                ),
                code="stale",
            )
        complete = submit or locked.is_submitted
        values = _clean_case(actor, locked.registry, data, complete=complete)
        changes = {
            name: [_jsonable(getattr(locked, name)), _jsonable(value)]
            for name, value in values.items()
            if name != "answers" and getattr(locked, name) != value
        }
        changes.update(
            {
                f"answers.{key}": [locked.answers.get(key), values["answers"].get(key)]
                for key in sorted(set(locked.answers) | set(values["answers"]))
                if locked.answers.get(key) != values["answers"].get(key)
            }
        )
        if not changes and (locked.is_submitted or not submit):
            return locked  # nothing new: no write, no revision
        for name, value in values.items():
            setattr(locked, name, value)
        locked.version += 1
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise _duplicate_error() from None
        if locked.is_submitted and changes:
            CaseRevision.objects.create(case=locked, actor=actor, changes=changes)
        elif submit:
            _mark_submitted(locked, actor)
    return locked


def _jsonable(value: Any) -> Any:
    if isinstance(value, Patient):
        return str(value.public_id)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _mark_submitted(case: Case, actor: User) -> None:
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = timezone.now()
    case.save(update_fields=["status", "submitted_at", "updated_at"])
    hospital_id = case.hospital_id
    transaction.on_commit(
        lambda: record_activity(
            action=Action.SUBMIT, user=actor, hospital=hospital_id, kind=ACTIVITY_KIND
        )
    )


def may_edit(user: User, case: Case) -> bool:
    return may_report(user) and user.hospital_id == case.hospital_id


def delete_draft(case: Case, *, actor: User) -> None:
    """A draft may be thrown away; a submitted case is part of the figures and may not."""
    if not may_edit(actor, case):
        raise PermissionDenied(_("Only the case's hospital may change it."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.is_submitted:
            raise ValidationError(_("A submitted case cannot be deleted."), code="submitted")
        locked.delete()


# --- discharge counts ---------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def set_discharge_count(
    *, actor: User, registry: Registry, month: date, count: int
) -> DischargeCount:
    """Record (or correct) ``actor``'s hospital's eligible discharges of ``registry`` in
    ``month``; one row per hospital, registry and month whoever writes it."""
    if not may_report(actor):
        raise PermissionDenied(_("Only the staff of a member hospital report discharges."))
    if count < 0:
        raise ValidationError({"count": [_("A count cannot be negative.")]})
    first = month_start(month)
    if first > month_start(timezone.localdate()):
        raise ValidationError({"month": [_("That month has not begun yet.")]})
    with transaction.atomic():
        row, _created = DischargeCount.objects.select_for_update().get_or_create(
            hospital_id=actor.hospital_id,
            registry=registry,
            month=first,
            defaults={"count": count, "entered_by": actor},
        )
        if not _created and row.count != count:
            row.count = count
            row.entered_by = actor
            row.save(update_fields=["count", "entered_by", "updated_at"])
    return row


def import_discharge_counts(*, actor: User, rows: list[tuple[int, list[Any]]]) -> int:
    """Record many discharge counts at once — ``(row number, [registry code, month
    YYYY-MM, count])`` from a spreadsheet — all or nothing: a file with bad rows names
    each of them with its reason and saves none."""
    if not may_report(actor) or actor.hospital is None:
        raise PermissionDenied(_("Only the staff of a member hospital report discharges."))
    registries = {
        r.code: r for r in Registry.objects.filter(alliance_id=actor.hospital.alliance_id)
    }
    current = month_start(timezone.localdate())
    errors: list[str] = []
    parsed: list[tuple[Registry, date, int]] = []
    seen: set[tuple[str, date]] = set()
    for number, cells in rows:
        code, month_text, count_text = ([*cells, "", "", ""])[:3]
        code = str(code or "").strip()
        registry = registries.get(code)
        month = _month_of(month_text)
        try:
            count = int(str(count_text).strip())
        except ValueError:
            count = -1
        if registry is None:
            errors.append(
                _("Row %(n)d: no registry has the code “%(code)s”.") % {"n": number, "code": code}
            )
        elif month is None or month > current:
            errors.append(_("Row %(n)d: give a past or current month as YYYY-MM.") % {"n": number})
        elif count < 0 or count > 100000:
            errors.append(_("Row %(n)d: the count must be a whole number from 0.") % {"n": number})
        elif (code, month) in seen:
            errors.append(
                _("Row %(n)d: this registry and month are already in the file.") % {"n": number}
            )
        else:
            seen.add((code, month))
            parsed.append((registry, month, count))
    if errors:
        raise ValidationError(errors, code="rows")
    if not parsed:
        raise ValidationError(_("The file holds no rows."), code="empty")
    with transaction.atomic():
        for registry, month, count in parsed:
            set_discharge_count(actor=actor, registry=registry, month=month, count=count)
    return len(parsed)


def _month_of(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        year, month = text.split("-")[:2]
        return date(int(year), int(month), 1)
    except ValueError:
        return None
