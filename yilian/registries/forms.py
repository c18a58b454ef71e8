"""Forms of single-disease management. Forms collect what was typed; the services decide
what is valid (one place per rule), so the case form's answers are kept as typed."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yilian.orgs.models import Division, Hospital
from yilian.patients.forms import PatientChoiceField
from yilian.patients.models import Patient

from . import definitions
from .models import Case, CaseStatus, Registry
from .selectors import FigureFilters

ANSWER_PREFIX = "a_"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) if value else ""


class JSONTextField(forms.CharField):
    """A JSON document typed into a text area; a syntax error is named by its line."""

    widget = forms.Textarea(attrs={"rows": 10, "class": "font-monospace", "spellcheck": "false"})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON (line %(line)d, column %(col)d: %(msg)s).")
                % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
            ) from None


class RegistryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Short, unique: letters, digits, - and _.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    icd_patterns = forms.CharField(
        label=_("ICD-10 codes"),
        help_text=_("Separated by commas: I21.* (the category and its subcategories), I21, I21.4."),
    )
    fields = JSONTextField(
        label=_("Case-report form"),
        help_text=_(
            'A list of fields: {"key": "aspirin_24h", "label": "…", "type": "yes_no", '
            '"required": true}. Types: number (with min, max), yes_no, choice (with options), '
            "date, datetime, text."
        ),
    )
    derived = JSONTextField(
        label=_("Derived values"),
        required=False,
        help_text=_(
            'Durations between two date or date-and-time fields: {"key": '
            '"door_to_balloon_minutes", "label": "…", "from": "arrival_at", "to": '
            '"balloon_at", "unit": "minutes"}.'
        ),
    )
    indicators = JSONTextField(
        label=_("Quality indicators"),
        required=False,
        help_text=_(
            'A list of {"code", "name", "denominator", "exclusions", "numerator", "target"}. '
            'Conditions: {"all": […]}, {"any": […]}, {"not": …}, {"field": key, "op": op, '
            '"value": v} with op eq, ne, lt, le, gt, ge, in, not_in, is_set, is_missing.'
        ),
    )
    is_active = forms.BooleanField(label=_("Open for reporting"), required=False, initial=True)

    @staticmethod
    def initial_for(registry: Registry) -> dict[str, Any]:
        return {
            "name": registry.name,
            "code": registry.code,
            "description": registry.description,
            "icd_patterns": registry.icd_display,
            "fields": _pretty(registry.fields),
            "derived": _pretty(registry.derived),
            "indicators": _pretty(registry.indicators),
            "is_active": registry.is_active,
        }

    def patterns(self) -> list[str]:
        return [p for p in re.split(r"[\s,，、;；]+", self.cleaned_data["icd_patterns"]) if p]


class CaseForm(forms.Form):
    """The case's own fields, then one field per question of the registry's form (named
    ``a_<key>``). Every answer is collected as text: the service checks it against the
    definition and the message lands beside the field, with what was typed kept."""

    patient = PatientChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        to_field_name="public_id",
        required=False,
        help_text=_("A patient of your hospital (register them first if they are not listed)."),
    )
    diagnosis_code = forms.CharField(
        label=_("Discharge diagnosis (ICD-10)"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    admission_date = forms.DateField(
        label=_("Admission date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    discharge_date = forms.DateField(
        label=_("Discharge date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("May stay empty in a draft."),
    )

    def __init__(
        self,
        *args: Any,
        registry: Registry,
        patients: QuerySet[Patient],
        case: Case | None = None,
        **kwargs: Any,
    ) -> None:
        if case is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(case)
        super().__init__(*args, **kwargs)
        self.registry = registry
        self.fields["patient"].queryset = patients
        self.fields["diagnosis_code"].help_text = _("One of: %(codes)s") % {
            "codes": registry.icd_display
        }
        for item in registry.form_fields:
            self.fields[ANSWER_PREFIX + item.key] = _answer_field(item)

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "patient": case.patient.public_id,
            "diagnosis_code": case.diagnosis_code,
            "admission_date": case.admission_date,
            "discharge_date": case.discharge_date,
        }
        for item in case.registry.form_fields:
            value = case.answers.get(item.key)
            if value is None:
                continue
            if item.type == definitions.FieldType.YES_NO:
                value = "yes" if value else "no"
            elif item.type == definitions.FieldType.DATETIME:
                value = timezone.localtime(definitions.typed_value(item, value)).strftime(
                    "%Y-%m-%dT%H:%M"
                )
            initial[ANSWER_PREFIX + item.key] = value
        return initial

    def answers(self) -> dict[str, Any]:
        return {
            item.key: self.cleaned_data.get(ANSWER_PREFIX + item.key, "")
            for item in self.registry.form_fields
        }

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[ANSWER_PREFIX + item.key] for item in self.registry.form_fields]

    def field_name_for(self, service_key: str) -> str | None:
        """The form field a service error key belongs to (``answers.x`` → ``a_x``)."""
        name = (
            ANSWER_PREFIX + service_key.removeprefix("answers.")
            if service_key.startswith("answers.")
            else service_key
        )
        return name if name in self.fields else None


def _answer_field(item: definitions.Field) -> forms.Field:
    label = f"{item.label} *" if item.required else item.label
    common: dict[str, Any] = {"label": label, "required": False, "help_text": item.help}
    kind = item.type
    if kind == definitions.FieldType.NUMBER:
        attrs: dict[str, Any] = {"inputmode": "decimal"}
        if item.min is not None:
            attrs["data-min"] = str(item.min)
        if item.max is not None:
            attrs["data-max"] = str(item.max)
        hint = ""
        if item.min is not None and item.max is not None:
            hint = _("%(min)s to %(max)s") % {"min": item.min, "max": item.max}
        common["help_text"] = " · ".join(p for p in (item.help, str(hint)) if p)
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if kind == definitions.FieldType.YES_NO:
        return forms.ChoiceField(
            choices=[("yes", _("yes")), ("no", _("no"))],
            widget=forms.RadioSelect(attrs={"class": "btn-check"}),
            **common,
        )
    if kind == definitions.FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *((o, o) for o in item.options)], **common)
    if kind == definitions.FieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == definitions.FieldType.DATETIME:
        return forms.CharField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
        )
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, **common)


def _month(text: str) -> date | None:
    match = _MONTH.match((text or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1) if 1 <= month <= 12 and year >= 1900 else None


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the phone shows a month picker)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        month = _month(text)
        if month is None:
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        return month


class CaseFilterForm(forms.Form):
    """The case list's filters (a GET form: nothing about a patient goes in the URL)."""

    registry = forms.ModelChoiceField(
        label=_("Registry"),
        required=False,
        queryset=Registry.objects.none(),
        to_field_name="public_id",
        empty_label=_("All registries"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *CaseStatus.choices]
    )
    month = MonthField(label=_("Discharged in"), required=False)

    def __init__(self, *args: Any, registries: QuerySet[Registry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registry"].queryset = registries


class SearchForm(forms.Form):
    query = forms.CharField(
        label=_("Search"),
        max_length=60,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Patient name, record number or case reference")}
        ),
    )


def _place_choices(form: forms.Form) -> None:
    provinces = Division.objects.filter(level=Division.Level.PROVINCE)
    form.fields["province"].choices = [
        ("", _("All provinces")),
        *provinces.values_list("code", "name"),
    ]
    form.fields["tier"].choices = [("", _("All tiers")), *Hospital.Tier.choices]


class FigureFilterForm(forms.Form):
    """Period, province and tier of the indicator dashboard and the coverage table (GET)."""

    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    tier = forms.ChoiceField(label=_("Tier"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _place_choices(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end month is before the start month."))
        return data

    def filters(self) -> FigureFilters:
        """The filters asked for; this year so far when nothing (or nothing valid) is."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start: date = data.get("start") or date(today.year, 1, 1)
        end_month: date | None = data.get("end")
        end = _month_end(end_month) if end_month else today
        return FigureFilters(
            start=start, end=end, province=data.get("province") or "", tier=data.get("tier") or ""
        )


def _month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


class IndicatorFilterForm(FigureFilterForm):
    registry = forms.ModelChoiceField(
        label=_("Registry"),
        queryset=Registry.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=None,
    )
    field_order = ["registry", "start", "end", "province", "tier"]

    def __init__(self, *args: Any, registries: QuerySet[Registry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registry"].queryset = registries

    def chosen_registry(self) -> Registry | None:
        chosen = self.cleaned_data.get("registry") if self.is_valid() else None
        return chosen or self.fields["registry"].queryset.first()


class DischargeCountForm(forms.Form):
    registry = forms.ModelChoiceField(
        label=_("Registry"),
        queryset=Registry.objects.none(),
        to_field_name="public_id",
        empty_label=None,
    )
    month = MonthField(label=_("Month"))
    count = forms.IntegerField(
        label=_("Eligible discharges"),
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, registries: QuerySet[Registry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registry"].queryset = registries


class DischargeImportForm(forms.Form):
    """A spreadsheet of discharge counts: registry code, month (YYYY-MM), count; the first
    row is a header."""

    file = forms.FileField(
        label=_("Spreadsheet (CSV or Excel)"),
        help_text=_(
            "Columns: registry code, month (YYYY-MM), eligible discharges; first row a header."
        ),
    )

    def rows(self) -> list[tuple[int, list[Any]]]:
        """The data rows with their row numbers in the file (the header is row 1)."""
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        if name.endswith(".xlsx"):
            from openpyxl import load_workbook

            try:
                book = load_workbook(upload, read_only=True, data_only=True)
            except Exception:  # any unreadable workbook gets the same answer
                raise forms.ValidationError(_("This is not an Excel workbook.")) from None
            sheet = book.worksheets[0]
            found = [
                (n, ["" if c is None else c for c in row])
                for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        elif name.endswith(".csv"):
            import csv
            import io

            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("Save the CSV file as UTF-8.")) from None
            found = list(enumerate(csv.reader(io.StringIO(text)), start=1))
        else:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return [(n, list(cells)) for n, cells in found[1:] if any(str(c).strip() for c in cells)]
