"""The application forms of the linkage businesses (built by the engine's apply pages as
``Form(data, files, applicant=user, variant=key, instance=request)``) and the forms of the
quota and special-business-type pages. Forms collect and validate; services write."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.files.validators import DOCUMENTS, SCANS, check_upload
from yilian.orgs.models import Department, Hospital
from yilian.workflow.forms import attach_errors
from yilian.workflow.models import BusinessRequest

from . import services
from .kinds import CLINICAL_OBSERVATION, STUDY_VISIT
from .models import (
    AdvancedStudy,
    FieldType,
    SpecialApplication,
    SpecialBusinessType,
    SpecialField,
    StudyPeriod,
    StudyQuota,
    Visit,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


# --- study visit and clinical observation ----------------------------------------------


class DepartmentCheckboxes(forms.CheckboxSelectMultiple):
    """Department checkboxes that say which hospital they belong to (linkage.js shows the
    host's departments only)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-hospital"] = str(instance.hospital.public_id)
        return option


class VisitorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    title = forms.ChoiceField(
        label=_("Professional title"),
        choices=[c for c in User.Title.choices if c[0]],
    )
    department = forms.CharField(label=_("Department"), max_length=60)


class BaseVisitorFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        names = [
            f.cleaned_data.get("name", "").strip()
            for f in self.forms
            if f.cleaned_data and not self._should_delete_form(f)
        ]
        if len(set(names)) != len(names):
            raise ValidationError(_("A visitor is listed twice."))


VisitorFormSet = forms.formset_factory(
    VisitorForm,
    formset=BaseVisitorFormSet,
    extra=0,
    min_num=1,
    max_num=services.MAX_VISITORS,
    validate_min=True,
    validate_max=True,
    can_delete=True,
)


class VisitForm(forms.Form):
    """One form for both kinds; the subclasses name the kind."""

    template_name = "linkage/forms/visit.html"
    kind = ""

    host = forms.ModelChoiceField(
        label=_("Host hospital"), queryset=Hospital.objects.none(), to_field_name="public_id"
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments to visit"),
        queryset=Department.objects.none(),
        to_field_name="public_id",
        widget=DepartmentCheckboxes,
    )
    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(label=_("To"), widget=DATE)
    visitor_count = forms.IntegerField(
        label=_("Number of visitors"), min_value=1, max_value=services.MAX_VISITORS, initial=1
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you want to learn, and what you will bring back to your hospital."),
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        applicant: User,
        variant: str | None = None,
        instance: BusinessRequest | None = None,
    ) -> None:
        self.applicant = applicant
        self.instance = instance
        if instance is not None:
            self.kind = instance.kind
        initial: dict[str, Any] = {}
        visitors_initial: list[dict[str, Any]] = []
        visit = Visit.objects.filter(request=instance).first() if instance else None
        if visit is not None:
            initial = {
                "host": visit.host,
                "departments": visit.ordered_departments(),
                "date_from": visit.date_from,
                "date_to": visit.date_to,
                "visitor_count": visit.visitor_count,
                "purpose": visit.purpose,
            }
            visitors_initial = [
                {"name": v.name, "title": v.title, "department": v.department}
                for v in visit.visitors.all()
            ]
        super().__init__(data, files, initial=initial, prefix=None)
        lead = services.lead_hospital_of(applicant)
        hosts = Hospital.objects.filter(
            Q(pk=lead.pk if lead else None)
            | Q(teams__is_active=True, teams__services__kind=self.kind),
            status=Hospital.Status.ACTIVE,
        ).distinct()
        self.fields["host"].queryset = hosts.order_by("-is_lead", "name")
        if lead is not None and "host" not in initial:
            self.fields["host"].initial = lead
        self.fields["departments"].queryset = (
            Department.objects.filter(hospital__in=hosts, is_active=True)
            .select_related("hospital")
            .order_by("hospital__name", "name")
        )
        if visitors_initial:
            self.fields["visitor_count"].initial = len(visitors_initial)
        else:
            department = applicant.department
            visitors_initial = [
                {
                    "name": applicant.name,
                    "title": applicant.title,
                    "department": department.name if department else "",
                }
            ]
        self.visitors = VisitorFormSet(
            data, prefix="visitors", initial=visitors_initial if data is None else None
        )

    def _chosen_departments(self) -> list[Department]:
        chosen = list(self.cleaned_data.get("departments") or [])
        getlist = getattr(self.data, "getlist", None)
        order = [str(v) for v in getlist("departments")] if getlist else []
        return sorted(
            chosen,
            key=lambda d: order.index(str(d.public_id)) if str(d.public_id) in order else 0,
        )

    def _visitor_rows(self) -> list[services.VisitorData]:
        return [
            services.VisitorData(
                name=f.cleaned_data["name"],
                title=f.cleaned_data["title"],
                department=f.cleaned_data["department"],
            )
            for f in self.visitors.forms
            if f.cleaned_data and not self.visitors._should_delete_form(f)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        visitors_ok = self.visitors.is_valid()
        if not visitors_ok:
            self.add_error(None, _("Check the visitors' details below."))
        if self.errors or not visitors_ok:
            return cleaned
        errors = services.visit_errors(self.visit_data())
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned

    def visit_data(self) -> services.VisitData:
        c = self.cleaned_data
        return services.VisitData(
            host=c["host"],
            departments=self._chosen_departments(),
            date_from=c["date_from"],
            date_to=c["date_to"],
            visitor_count=c["visitor_count"],
            visitors=self._visitor_rows(),
            purpose=c["purpose"],
        )

    def save(self) -> BusinessRequest:
        return services.save_visit(
            kind=self.kind,
            applicant=self.applicant,
            data=self.visit_data(),
            instance=self.instance,
        )


class StudyVisitForm(VisitForm):
    kind = STUDY_VISIT


class ClinicalObservationForm(VisitForm):
    kind = CLINICAL_OBSERVATION


# --- advanced study --------------------------------------------------------------------


class ScanField(forms.FileField):
    """A scan or photo of a certificate, checked by its content."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "size"):
            check_upload(upload, SCANS)
        return upload


class AdvancedStudyForm(forms.Form):
    education = forms.ChoiceField(label=_("Education"), choices=AdvancedStudy.Education.choices)
    school = forms.CharField(label=_("Graduating school"), max_length=100)
    major = forms.CharField(label=_("Major"), max_length=60)
    graduation_year = forms.IntegerField(label=_("Graduation year"), min_value=1950)
    years_in_practice = forms.IntegerField(label=_("Years in practice"), min_value=0, max_value=60)
    current_position = forms.CharField(
        label=_("Current position"),
        max_length=60,
        help_text=_("E.g. attending physician of the cardiology department."),
    )
    professional_title = forms.ChoiceField(
        label=_("Professional title"), choices=[c for c in User.Title.choices if c[0]]
    )
    clinical_experience = forms.CharField(
        label=_("Clinical experience"), widget=forms.Textarea(attrs={"rows": 5})
    )
    department = forms.ModelChoiceField(
        label=_("Department to study in"),
        queryset=Department.objects.none(),
        to_field_name="public_id",
    )
    period_months = forms.TypedChoiceField(
        label=_("Period"), choices=StudyPeriod.choices, coerce=int
    )
    start_date = forms.DateField(
        label=_("Start month"),
        widget=MONTH,
        input_formats=MONTH_FORMATS,
        help_text=_("Studies start on the first day of a month."),
    )
    licence = ScanField(
        label=_("Practising licence"), help_text=_("A scan or photo: PDF, JPEG or PNG.")
    )
    qualification = ScanField(
        label=_("Qualification certificate"), help_text=_("A scan or photo: PDF, JPEG or PNG.")
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        applicant: User,
        variant: str | None = None,
        instance: BusinessRequest | None = None,
    ) -> None:
        self.applicant = applicant
        self.instance = instance
        initial: dict[str, Any] = {}
        study = AdvancedStudy.objects.filter(request=instance).first() if instance else None
        if study is not None:
            initial = {name: getattr(study, name) for name in services.STUDY_FIELDS}
        else:
            initial = {"professional_title": applicant.title}
        super().__init__(data, files, initial=initial)
        lead = services.lead_hospital_of(applicant)
        self.fields["department"].queryset = Department.objects.filter(
            hospital=lead, is_active=True
        ).order_by("name")
        if study is not None:
            # The files given before are kept unless new ones are uploaded.
            self.fields["licence"].required = False
            self.fields["qualification"].required = False

    def clean_start_date(self) -> date:
        value: date = self.cleaned_data["start_date"]
        if value.day != 1:
            raise ValidationError(_("Studies start on the first day of a month."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            errors = services.study_errors(self.applicant, self.study_data())
            for name, message in errors.items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def study_data(self) -> services.StudyData:
        c = self.cleaned_data
        return services.StudyData(
            education=c["education"],
            school=c["school"],
            major=c["major"],
            graduation_year=c["graduation_year"],
            years_in_practice=c["years_in_practice"],
            current_position=c["current_position"],
            professional_title=c["professional_title"],
            clinical_experience=c["clinical_experience"],
            department=c["department"],
            period_months=c["period_months"],
            start_date=c["start_date"],
        )

    def save(self) -> BusinessRequest:
        return services.save_advanced_study(
            applicant=self.applicant,
            data=self.study_data(),
            licence=self.cleaned_data.get("licence") or None,
            qualification=self.cleaned_data.get("qualification") or None,
            instance=self.instance,
        )


# --- special business ------------------------------------------------------------------


class AnyFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "size"):
            check_upload(upload, DOCUMENTS)
        return upload


def build_field(spec: SpecialField) -> forms.Field:
    """The form field of one question of a special business."""
    common: dict[str, Any] = {
        "label": spec.label,
        "required": spec.required,
        "help_text": spec.help_text,
    }
    if spec.field_type == FieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, **common)
    if spec.field_type == FieldType.NUMBER:
        return forms.DecimalField(max_digits=14, decimal_places=4, **common)
    if spec.field_type == FieldType.DATE:
        return forms.DateField(widget=DATE, **common)
    if spec.field_type == FieldType.CHOICE:
        return forms.ChoiceField(
            choices=[("", "---------"), *[(c, c) for c in spec.choice_list]], **common
        )
    if spec.field_type == FieldType.FILE:
        return AnyFileField(**common)
    return forms.CharField(max_length=500, **common)


class SpecialApplicationForm(forms.Form):
    """Built from the fields of the special business type named by ``variant`` (its public
    id), or, when editing, of the application's type."""

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        applicant: User,
        variant: str | None = None,
        instance: BusinessRequest | None = None,
    ) -> None:
        self.applicant = applicant
        self.instance = instance
        application = (
            SpecialApplication.objects.filter(request=instance)
            .select_related("business_type")
            .first()
            if instance
            else None
        )
        if application is not None and not variant:
            business_type = application.business_type
        else:
            try:
                business_type = SpecialBusinessType.objects.get(public_id=variant, is_active=True)
            except (SpecialBusinessType.DoesNotExist, ValueError, ValidationError):
                raise Http404 from None
        self.business_type = business_type
        self.specs = list(business_type.fields.all())
        initial: dict[str, Any] = {}
        if application is not None and application.business_type_id == business_type.pk:
            initial = {k: v for k, v in application.answers.items() if not isinstance(v, dict)}
        super().__init__(data, files, initial=initial)
        self.existing_files = (
            {k: v for k, v in application.answers.items() if isinstance(v, dict)}
            if application is not None
            else {}
        )
        for spec in self.specs:
            field = build_field(spec)
            if spec.field_type == FieldType.FILE and self.existing_files.get(spec.key):
                field.required = False
                field.help_text = _("Leave empty to keep “%(name)s”.") % {
                    "name": self.existing_files[spec.key].get("name", "")
                }
            self.fields[spec.key] = field

    def save(self) -> BusinessRequest:
        answers = {
            s.key: self.cleaned_data.get(s.key)
            for s in self.specs
            if s.field_type != FieldType.FILE
        }
        uploads = {
            s.key: self.cleaned_data[s.key]
            for s in self.specs
            if s.field_type == FieldType.FILE and self.cleaned_data.get(s.key)
        }
        return services.save_special_application(
            applicant=self.applicant,
            business_type=self.business_type,
            answers=answers,
            uploads=uploads,
            instance=self.instance,
        )


# --- quotas ----------------------------------------------------------------------------


class QuotaForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), to_field_name="public_id"
    )
    month = forms.DateField(label=_("Start month"), widget=MONTH, input_formats=MONTH_FORMATS)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=200)

    def __init__(self, data: Any = None, *, actor: User, instance: StudyQuota | None = None):
        self.actor = actor
        self.instance = instance
        initial = (
            {"department": instance.department, "month": instance.month, "seats": instance.seats}
            if instance
            else {}
        )
        super().__init__(data, initial=initial)
        self.fields["department"].queryset = Department.objects.filter(
            hospital__is_lead=True, is_active=True
        ).order_by("name")

    def clean_month(self) -> date:
        value: date = self.cleaned_data["month"]
        if value.day != 1:
            raise ValidationError(_("Give the first day of the month."))
        return value

    def save(self) -> StudyQuota:
        try:
            return services.save_quota(
                actor=self.actor,
                department=self.cleaned_data["department"],
                month=self.cleaned_data["month"],
                seats=self.cleaned_data["seats"],
                instance=self.instance,
            )
        except ValidationError as exc:
            attach_errors(self, exc)
            raise


# --- special business types ------------------------------------------------------------


class SpecialTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Offered to applicants"), required=False, initial=True)
    ordering = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0)


class SpecialFieldForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(label=_("Label"), max_length=60)
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a choice: one a line."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("field_type") == FieldType.CHOICE
            and not (cleaned.get("choices") or "").strip()
        ):
            self.add_error("choices", _("Give the choices, one a line."))
        return cleaned


class BaseSpecialFieldFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if not rows:
            raise ValidationError(_("Add at least one field to the application form."))
        labels = [f.cleaned_data["label"].strip() for f in rows]
        if len(set(labels)) != len(labels):
            raise ValidationError(_("Two fields have the same label: each label once."))


SpecialFieldFormSet = forms.formset_factory(
    SpecialFieldForm,
    formset=BaseSpecialFieldFormSet,
    extra=0,
    can_delete=True,
    can_order=True,
    max_num=50,
    validate_max=True,
)


class SpecialTypeEditor:
    """The type's form and its fields' formset, validated and saved together."""

    def __init__(
        self, data: Any = None, *, actor: User, instance: SpecialBusinessType | None = None
    ) -> None:
        self.actor = actor
        self.instance = instance
        initial: dict[str, Any] = {}
        rows: list[dict[str, Any]] = []
        self.existing: dict[str, SpecialField] = {}
        if instance is not None:
            initial = {
                "name": instance.name,
                "description": instance.description,
                "is_active": instance.is_active,
                "ordering": instance.ordering,
            }
            for i, f in enumerate(instance.fields.all(), start=1):
                self.existing[f.key] = f
                rows.append(
                    {
                        "key": f.key,
                        "label": f.label,
                        "field_type": f.field_type,
                        "required": f.required,
                        "help_text": f.help_text,
                        "choices": f.choices,
                        "ORDER": i,
                    }
                )
        else:
            rows = [{"field_type": FieldType.TEXT, "required": True, "ORDER": 1}]
        self.form = SpecialTypeForm(data, initial=initial)
        self.fields = SpecialFieldFormSet(
            data, prefix="fields", initial=rows if data is None else None
        )

    def is_valid(self) -> bool:
        return self.form.is_valid() & self.fields.is_valid()

    def field_rows(self) -> list[services.FieldData]:
        ordered = [f for f in self.fields.ordered_forms]
        rows = []
        for f in ordered:
            c = f.cleaned_data
            rows.append(
                services.FieldData(
                    label=c["label"],
                    field_type=c["field_type"],
                    required=c["required"],
                    help_text=c["help_text"],
                    choices=c["choices"],
                    field=self.existing.get(c.get("key") or ""),
                )
            )
        return rows

    def save(self) -> SpecialBusinessType:
        c = self.form.cleaned_data
        try:
            return services.save_special_type(
                actor=self.actor,
                name=c["name"],
                description=c["description"],
                is_active=c["is_active"],
                ordering=c["ordering"],
                fields=self.field_rows(),
                instance=self.instance,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    if name in self.form.fields:
                        self.form.add_error(name, messages)
                    else:
                        self.fields._non_form_errors = self.fields.error_class(
                            messages, renderer=self.fields.renderer
                        )
            else:
                self.form.add_error(None, exc.messages)
            raise
