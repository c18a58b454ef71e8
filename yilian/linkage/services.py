"""Every write of the linkage businesses.

An application is the engine's ``BusinessRequest`` plus the kind's detail row, written in
one transaction: ``save_visit`` (study visit and clinical observation), ``save_advanced_study``
and ``save_special_application`` create a draft, or update the applicant's draft or returned
request when given ``instance``. The quota and special-business-type services are for the
platform's managers and administrators.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.dates import start_of
from yilian.files.services import store_upload
from yilian.files.validators import DOCUMENTS, SCANS, check_upload
from yilian.orgs.models import Department, Hospital
from yilian.workflow.models import BusinessRequest
from yilian.workflow.registry import get_kind
from yilian.workflow.services import save_application

from .kinds import ADVANCED_STUDY, SPECIAL_BUSINESS, VISIT_KINDS, month_label
from .models import (
    AdvancedStudy,
    FieldType,
    SpecialApplication,
    SpecialBusinessType,
    SpecialField,
    StudyPeriod,
    StudyQuota,
    Visit,
    VisitDepartment,
    Visitor,
    add_months,
)
from .selectors import seat_holders

MAX_VISITORS = 20
# How far ahead one may apply, and how long a visit lasts at most.
PLANNING_HORIZON = timedelta(days=730)
MAX_VISIT_DAYS = 31
LICENCE = "licence"
QUALIFICATION = "qualification"


# --- shared -----------------------------------------------------------------------------


def _store(
    upload: UploadedFile, *, owner: User, target: BusinessRequest, purpose: str, types: Any
) -> Any:
    return store_upload(
        upload,
        owner=owner,
        target=target,
        purpose=purpose,
        allowed_types=types,
        check_access=False,  # the application service has authorised the write
    )


def lead_hospital_of(user: User) -> Hospital | None:
    hospital = user.hospital
    if hospital is None:
        return None
    return Hospital.objects.filter(alliance_id=hospital.alliance_id, is_lead=True).first()


# --- study visits and clinical observations --------------------------------------------


@dataclass(frozen=True)
class VisitorData:
    name: str
    title: str
    department: str


@dataclass(frozen=True)
class VisitData:
    host: Hospital
    departments: Sequence[Department]
    date_from: date
    date_to: date
    visitor_count: int
    visitors: Sequence[VisitorData]
    purpose: str


def visit_errors(data: VisitData) -> dict[str, Any]:
    """What is wrong with a visit application (empty when nothing)."""
    errors: dict[str, Any] = {}
    if data.host.status != Hospital.Status.ACTIVE:
        errors["host"] = _("This hospital does not receive visits.")
    departments = list(data.departments)
    if not departments:
        errors["departments"] = _("Choose at least one department to visit.")
    elif any(d.hospital_id != data.host.pk or not d.is_active for d in departments):
        errors["departments"] = _("Choose departments of the host hospital.")
    elif len({d.pk for d in departments}) != len(departments):
        errors["departments"] = _("Each department only once.")
    today = timezone.localdate()
    if data.date_from < today:
        errors["date_from"] = _("The visit cannot start in the past.")
    if data.date_to < data.date_from:
        errors["date_to"] = _("The last day cannot be before the first.")
    elif data.date_to > today + PLANNING_HORIZON:
        errors["date_to"] = _("Plan visits within the next two years.")
    elif (data.date_to - data.date_from).days >= MAX_VISIT_DAYS:
        errors["date_to"] = gettext("A visit lasts at most %(days)d days.") % {
            "days": MAX_VISIT_DAYS
        }
    if not 1 <= data.visitor_count <= MAX_VISITORS:
        errors["visitor_count"] = gettext("From 1 to %(max)d visitors.") % {"max": MAX_VISITORS}
    elif len(data.visitors) != data.visitor_count:
        errors["visitor_count"] = gettext(
            "You said %(count)d visitors but listed %(rows)d: give each visitor's details."
        ) % {"count": data.visitor_count, "rows": len(data.visitors)}
    titles = set(User.Title.values)
    for visitor in data.visitors:
        if not visitor.name.strip() or not visitor.department.strip():
            errors["visitors"] = _("Give each visitor's name and department.")
        elif visitor.title not in titles:
            errors["visitors"] = _("Choose each visitor's professional title.")
    if not data.purpose.strip():
        errors["purpose"] = _("Say what you want to learn.")
    return errors


def visit_title(kind: str, data: VisitData) -> str:
    return gettext("%(kind)s · %(department)s · %(date)s") % {
        "kind": get_kind(kind).label,
        "department": data.departments[0].name,
        "date": data.date_from.isoformat(),
    }


def save_visit(
    *,
    kind: str,
    applicant: User,
    data: VisitData,
    instance: BusinessRequest | None = None,
) -> BusinessRequest:
    """Create a study visit or clinical observation (a draft), or update the applicant's
    draft or returned one. The request and its visit are written together or not at all."""
    if kind not in VISIT_KINDS:
        raise ValueError(f"{kind} is not a visit kind")
    errors = visit_errors(data)
    if errors:
        raise ValidationError(errors)
    title = visit_title(kind, data)
    window = {
        "desired_start": start_of(data.date_from),
        "desired_end": start_of(data.date_to + timedelta(days=1)),
    }
    with transaction.atomic():
        request = save_application(
            kind=kind,
            applicant=applicant,
            title=title,
            instance=instance,
            desired_start=window["desired_start"],
            desired_end=window["desired_end"],
        )
        visit = Visit(request=request) if instance is None else Visit.objects.get(request=request)
        visit.host = data.host
        visit.date_from = data.date_from
        visit.date_to = data.date_to
        visit.visitor_count = data.visitor_count
        visit.purpose = data.purpose.strip()
        visit.save()
        visit.department_rows.all().delete()
        VisitDepartment.objects.bulk_create(
            VisitDepartment(visit=visit, department=d, position=i)
            for i, d in enumerate(data.departments)
        )
        visit.visitors.all().delete()
        Visitor.objects.bulk_create(
            Visitor(
                visit=visit,
                name=v.name.strip(),
                title=v.title,
                department=v.department.strip(),
                position=i,
            )
            for i, v in enumerate(data.visitors)
        )
    return request


# --- advanced study --------------------------------------------------------------------


@dataclass(frozen=True)
class StudyData:
    education: str
    school: str
    major: str
    graduation_year: int
    years_in_practice: int
    current_position: str
    professional_title: str
    clinical_experience: str
    department: Department
    period_months: int
    start_date: date


# The detail fields of an advanced study, as the form and the model name them.
STUDY_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(StudyData))


def study_errors(applicant: User, data: StudyData) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for name in ("school", "major", "current_position", "clinical_experience"):
        if not str(getattr(data, name)).strip():
            errors[name] = _("This field is required.")
    if data.education not in AdvancedStudy.Education.values:
        errors["education"] = _("Choose your education.")
    if data.professional_title not in User.Title.values or not data.professional_title:
        errors["professional_title"] = _("Choose your professional title.")
    this_year = timezone.localdate().year
    if not 1950 <= data.graduation_year <= this_year:
        errors["graduation_year"] = gettext("Give a year from 1950 to %(year)d.") % {
            "year": this_year
        }
    if not 0 <= data.years_in_practice <= 60:
        errors["years_in_practice"] = _("Give the years in practice (0 to 60).")
    lead = lead_hospital_of(applicant)
    if lead is None or data.department.hospital_id != lead.pk or not data.department.is_active:
        errors["department"] = _("Choose a department of the lead hospital.")
    if data.period_months not in StudyPeriod.values:
        errors["period_months"] = _("Choose 3, 6 or 12 months.")
    if data.start_date.day != 1:
        errors["start_date"] = _("Studies start on the first day of a month.")
    elif data.start_date <= timezone.localdate():
        errors["start_date"] = _("Choose a month that has not started yet.")
    elif data.start_date > timezone.localdate() + PLANNING_HORIZON:
        errors["start_date"] = _("Choose a start within the next two years.")
    return errors


def study_title(data: StudyData) -> str:
    return gettext("%(kind)s · %(department)s · %(month)s") % {
        "kind": get_kind(ADVANCED_STUDY).label,
        "department": data.department.name,
        "month": month_label(data.start_date),
    }


def save_advanced_study(
    *,
    applicant: User,
    data: StudyData,
    licence: UploadedFile | None = None,
    qualification: UploadedFile | None = None,
    instance: BusinessRequest | None = None,
) -> BusinessRequest:
    """Create an advanced-study registration (a draft) with the applicant's practising
    licence and qualification certificate, or update a draft or returned one (the files
    are kept unless new ones are given)."""
    errors = study_errors(applicant, data)
    uploads = {LICENCE: licence, QUALIFICATION: qualification}
    for purpose, upload in uploads.items():
        if upload is None:
            if instance is None:
                errors[purpose] = _("Upload a scan or photo (PDF, JPEG or PNG).")
            continue
        try:
            check_upload(upload, SCANS)
        except ValidationError as exc:
            errors[purpose] = exc.messages
    if errors:
        raise ValidationError(errors)
    title = study_title(data)
    window = {
        "desired_start": start_of(data.start_date),
        "desired_end": start_of(add_months(data.start_date, data.period_months)),
    }
    fields = {name: getattr(data, name) for name in STUDY_FIELDS}
    for name in ("school", "major", "current_position", "clinical_experience"):
        fields[name] = fields[name].strip()
    with transaction.atomic():
        request = save_application(
            kind=ADVANCED_STUDY,
            applicant=applicant,
            title=title,
            instance=instance,
            desired_start=window["desired_start"],
            desired_end=window["desired_end"],
        )
        if instance is None:
            AdvancedStudy.objects.create(request=request, **fields)
        else:
            AdvancedStudy.objects.filter(request=request).update(**fields)
        for purpose, upload in uploads.items():
            if upload is not None:
                _store(upload, owner=applicant, target=request, purpose=purpose, types=SCANS)
    return request


# --- quotas ----------------------------------------------------------------------------


def _require(actor: User, *roles: str) -> None:
    if not actor.is_authenticated or not actor.can_use_business or not actor.has_role(*roles):
        raise PermissionDenied(gettext("Your role may not do this."))


QUOTA_ROLES = (Role.MANAGER, Role.PLATFORM_ADMIN)


def save_quota(
    *,
    actor: User,
    department: Department,
    month: date,
    seats: int,
    instance: StudyQuota | None = None,
) -> StudyQuota:
    """Set a department's advanced-study seats for a start month (create or edit)."""
    _require(actor, *QUOTA_ROLES)
    errors: dict[str, Any] = {}
    if not department.hospital.is_lead:
        errors["department"] = _("Quotas are for departments of the lead hospital.")
    if month.day != 1:
        errors["month"] = _("Give the first day of the month.")
    if not 1 <= seats <= 200:
        errors["seats"] = _("From 1 to 200 seats.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if instance is not None:
            instance = StudyQuota.objects.select_for_update().get(pk=instance.pk)
        clash = StudyQuota.objects.filter(department=department, month=month)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationError(
                {
                    "month": gettext("%(department)s already has a quota for %(month)s.")
                    % {"department": department.name, "month": month_label(month)}
                }
            )
        if instance is not None and (
            instance.department_id != department.pk or instance.month != month
        ):
            moved = seat_holders(instance.department, instance.month).count()
            if moved:
                raise ValidationError(
                    gettext(
                        "%(count)d confirmed students hold seats of this quota: its department "
                        "and month cannot change."
                    )
                    % {"count": moved}
                )
        taken = seat_holders(department, month).count()
        if seats < taken:
            raise ValidationError(
                {
                    "seats": gettext(
                        "%(taken)d students are already confirmed: give at least %(taken)d seats."
                    )
                    % {"taken": taken}
                }
            )
        quota = instance or StudyQuota()
        quota.department = department
        quota.month = month
        quota.seats = seats
        try:
            with transaction.atomic():
                quota.save()
        except IntegrityError:
            raise ValidationError(
                {"month": _("This department already has a quota for that month.")}
            ) from None
    return quota


def delete_quota(quota: StudyQuota, *, actor: User) -> None:
    """Remove a quota nobody holds a seat of."""
    _require(actor, *QUOTA_ROLES)
    with transaction.atomic():
        locked = StudyQuota.objects.select_for_update().get(pk=quota.pk)
        taken = seat_holders(locked.department, locked.month).count()
        if taken:
            raise ValidationError(
                gettext(
                    "%(count)d confirmed students hold seats of this quota, so it cannot be "
                    "deleted. Their registrations must be cancelled first."
                )
                % {"count": taken},
                code="seats_taken",
            )
        locked.delete()


# --- special business types ------------------------------------------------------------


@dataclass(frozen=True)
class FieldData:
    label: str
    field_type: str
    required: bool = True
    help_text: str = ""
    choices: str = ""
    field: SpecialField | None = None  # the existing field this row edits


def special_type_errors(name: str, fields: Sequence[FieldData]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not name.strip():
        errors["name"] = _("Give the special business a name.")
    if not fields:
        errors["fields"] = _("Add at least one field to the application form.")
    labels = [f.label.strip() for f in fields]
    if any(not label for label in labels):
        errors["fields"] = _("Give every field a label.")
    elif len(set(labels)) != len(labels):
        errors["fields"] = _("Two fields have the same label: each label once.")
    for f in fields:
        if f.field_type not in FieldType.values:
            errors["fields"] = _("Choose each field's type.")
        elif f.field_type == FieldType.CHOICE and not [
            c for c in f.choices.splitlines() if c.strip()
        ]:
            errors["fields"] = gettext("Give the choices of “%(label)s”, one a line.") % {
                "label": f.label
            }
    return errors


def save_special_type(
    *,
    actor: User,
    name: str,
    description: str = "",
    is_active: bool = True,
    ordering: int = 0,
    fields: Sequence[FieldData],
    instance: SpecialBusinessType | None = None,
) -> SpecialBusinessType:
    """Create or edit a special business type and its form's fields (in the given order;
    rows left out are removed). A new field's key comes from its position and never
    changes, so applications keep their answers however the form is edited later."""
    _require(actor, Role.PLATFORM_ADMIN)
    errors = special_type_errors(name, fields)
    clash = SpecialBusinessType.objects.filter(name=name.strip())
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
        if any(f.field is not None and f.field.business_type_id != instance.pk for f in fields):
            raise ValueError("a field row of another type")
    if name.strip() and clash.exists():
        errors["name"] = _("A special business of this name exists.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        business_type = instance or SpecialBusinessType()
        business_type.name = name.strip()
        business_type.description = description.strip()
        business_type.is_active = is_active
        business_type.ordering = ordering
        business_type.save()
        kept = {f.field.pk for f in fields if f.field is not None}
        business_type.fields.exclude(pk__in=kept).delete()
        # Park the kept rows' labels so that swapping two labels does not trip the
        # unique constraint half-way.
        for f in fields:
            if f.field is not None:
                SpecialField.objects.filter(pk=f.field.pk).update(label=f"~{f.field.pk}")
        for position, f in enumerate(fields, start=1):
            row = f.field or SpecialField(business_type=business_type)
            if row.pk is None:
                # A new field's key is its position when the type is created, then the next
                # number never given out: an old application's answers never change meaning.
                business_type.last_key = max(business_type.last_key + 1, position)
                row.key = f"f{business_type.last_key}"
            row.label = f.label.strip()
            row.field_type = f.field_type
            row.required = f.required
            row.help_text = f.help_text.strip()
            row.choices = (
                "\n".join(c.strip() for c in f.choices.splitlines() if c.strip())
                if f.field_type == FieldType.CHOICE
                else ""
            )
            row.order = position
            row.save()
        business_type.save(update_fields=["last_key"])
    return business_type


def deactivate_special_type(business_type: SpecialBusinessType, *, actor: User) -> None:
    """Stop offering a special business (its applications stay as they are)."""
    _require(actor, Role.PLATFORM_ADMIN)
    SpecialBusinessType.objects.filter(pk=business_type.pk).update(
        is_active=False, updated_at=timezone.now()
    )
    business_type.is_active = False


# --- special business applications -------------------------------------------------------


def _answer(field: SpecialField, value: Any) -> tuple[Any, str | None]:
    """The JSON value stored for ``value``, or an error message."""
    if field.field_type in (FieldType.TEXT, FieldType.LONG_TEXT):
        return str(value).strip(), None
    if field.field_type == FieldType.NUMBER:
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return None, gettext("Enter a number.")
        if not number.is_finite():
            return None, gettext("Enter a number.")
        return str(number), None
    if field.field_type == FieldType.DATE:
        if isinstance(value, date):
            return value.isoformat(), None
        try:
            return date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            return None, gettext("Enter a date.")
    if field.field_type == FieldType.CHOICE:
        if str(value) not in field.choice_list:
            return None, gettext("Choose one of the choices.")
        return str(value), None
    return None, None  # files are stored separately


def save_special_application(
    *,
    applicant: User,
    business_type: SpecialBusinessType,
    answers: Mapping[str, Any],
    uploads: Mapping[str, UploadedFile] | None = None,
    instance: BusinessRequest | None = None,
) -> BusinessRequest:
    """Create an application for ``business_type`` (a draft) from the answers keyed by the
    fields' keys, or update a draft or returned one. The type's current form definition is
    kept with the answers. A deactivated type takes no new applications; those already made
    can still be corrected and resubmitted."""
    uploads = dict(uploads or {})
    if instance is None and not business_type.is_active:
        raise ValidationError(
            gettext("“%(name)s” is no longer offered.") % {"name": business_type.name},
            code="inactive",
        )
    fields = list(business_type.fields.all())
    previous: dict[str, Any] = {}
    if instance is not None:
        current = SpecialApplication.objects.filter(request=instance).first()
        if current is not None and current.business_type_id == business_type.pk:
            previous = dict(current.answers)
    errors: dict[str, Any] = {}
    stored: dict[str, Any] = {}
    for field in fields:
        if field.field_type == FieldType.FILE:
            upload = uploads.get(field.key)
            if upload is not None:
                try:
                    check_upload(upload, DOCUMENTS)
                except ValidationError as exc:
                    errors[field.key] = exc.messages
            elif field.required and not previous.get(field.key):
                errors[field.key] = _("This field is required.")
            else:
                stored[field.key] = previous.get(field.key)
            continue
        value = answers.get(field.key)
        if value is None or str(value).strip() == "":
            if field.required:
                errors[field.key] = _("This field is required.")
            else:
                stored[field.key] = None
            continue
        answer, error = _answer(field, value)
        if error:
            errors[field.key] = error
        else:
            stored[field.key] = answer
    if errors:
        raise ValidationError(errors)

    hospital = applicant.hospital
    title = gettext("%(type)s · %(hospital)s") % {
        "type": business_type.name,
        "hospital": (hospital.short_name or hospital.name) if hospital else "",
    }
    definition = [f.definition() for f in fields]
    with transaction.atomic():
        request = save_application(
            kind=SPECIAL_BUSINESS, applicant=applicant, title=title, instance=instance
        )
        application = (
            SpecialApplication(request=request)
            if instance is None
            else SpecialApplication.objects.get(request=request)
        )
        for field in fields:
            upload = uploads.get(field.key)
            if field.field_type == FieldType.FILE and upload is not None:
                asset = _store(
                    upload,
                    owner=applicant,
                    target=request,
                    purpose=f"field:{field.key}",
                    types=DOCUMENTS,
                )
                stored[field.key] = {"file": str(asset.public_id), "name": asset.original_name}
        application.business_type = business_type
        application.type_name = business_type.name
        application.definition = definition
        application.answers = stored
        application.save()
    return request
