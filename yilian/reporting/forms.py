"""Forms of data reporting. They hold what the user typed; the services decide what is
valid and say why (their messages are put back at the fields)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.orgs.models import Alliance, Hospital

from . import services
from .models import Dataset, Frequency, Indicator, IndicatorType, Rule


class DatasetForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("Lower-case letters, digits, underscores.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    deadline_days = forms.IntegerField(
        label=_("Deadline (days after the period ends)"), min_value=0, max_value=366, initial=10
    )
    remind_days = forms.IntegerField(
        label=_("Remind (days before the deadline)"), min_value=0, max_value=60, initial=3
    )
    escalate_days = forms.IntegerField(
        label=_("Escalate to managers (days after the deadline)"),
        min_value=0,
        max_value=60,
        initial=3,
    )
    tiers = forms.MultipleChoiceField(
        label=_("Hospitals of the tiers"),
        choices=Hospital.Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("and of the categories"),
        choices=Hospital.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any category (or any tier)."),
    )
    hospitals = forms.ModelMultipleChoiceField(
        label=_("Also these hospitals"),
        queryset=Hospital.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hospitals"].queryset = Hospital.objects.active().filter(alliance=alliance)  # type: ignore[attr-defined]

    def data_for_service(self) -> services.DatasetData:
        d = self.cleaned_data
        return services.DatasetData(
            code=d["code"].strip(),
            name=d["name"],
            description=d["description"],
            frequency=d["frequency"],
            deadline_days=d["deadline_days"],
            remind_days=d["remind_days"],
            escalate_days=d["escalate_days"],
            tiers=d["tiers"],
            categories=d["categories"],
            hospitals=list(d["hospitals"]),
            is_active=d["is_active"],
        )


def dataset_initial(dataset: Dataset) -> dict[str, Any]:
    return {
        "code": dataset.code,
        "name": dataset.name,
        "description": dataset.description,
        "frequency": dataset.frequency,
        "deadline_days": dataset.deadline_days,
        "remind_days": dataset.remind_days,
        "escalate_days": dataset.escalate_days,
        "tiers": dataset.tiers,
        "categories": dataset.categories,
        "hospitals": list(dataset.hospitals.all()),
        "is_active": dataset.is_active,
    }


class IndicatorForm(forms.Form):
    # Nothing required here: an empty row is left out, a half-filled one is refused by
    # the service next to its field.
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=IndicatorType.choices)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    help = forms.CharField(label=_("Help"), max_length=200, required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    min_value = forms.CharField(label=_("Minimum"), max_length=30, required=False)
    max_value = forms.CharField(label=_("Maximum"), max_length=30, required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a choice: one per line."),
    )
    expression = forms.CharField(
        label=_("Expression"),
        max_length=300,
        required=False,
        help_text=_("For a computed value: codes, numbers, + - * / and parentheses."),
    )
    decimals = forms.IntegerField(
        label=_("Decimal places"), min_value=0, max_value=4, initial=2, required=False
    )


class RuleForm(forms.Form):
    condition = forms.CharField(
        label=_("Condition"),
        max_length=300,
        required=False,
        help_text=_("Must hold, e.g. infections <= discharges."),
    )
    message = forms.CharField(label=_("Message when it fails"), max_length=200, required=False)
    field = forms.CharField(
        label=_("Show at (code)"),
        max_length=40,
        required=False,
        help_text=_("Empty: the first code of the condition."),
    )


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, extra=3, can_delete=True, max_num=services.MAX_INDICATORS, validate_max=True
)
RuleFormSet = forms.formset_factory(
    RuleForm, extra=1, can_delete=True, max_num=services.MAX_RULES, validate_max=True
)


def kept_rows(formset: Any, keys: Sequence[str]) -> list[Any]:
    """The rows to save: not deleted, and not left empty."""
    return [
        f
        for f in formset.forms
        if f.cleaned_data
        and not f.cleaned_data.get("DELETE")
        and any(f.cleaned_data.get(k) for k in keys)
    ]


def indicator_initial(dataset: Dataset) -> list[dict[str, Any]]:
    return [
        {
            "code": i.code,
            "label": i.label,
            "type": i.type,
            "unit": i.unit,
            "help": i.help,
            "required": i.required,
            "min_value": services._plain(i.min_value) if i.min_value is not None else "",
            "max_value": services._plain(i.max_value) if i.max_value is not None else "",
            "choices": "\n".join(i.choices),
            "expression": i.expression,
            "decimals": i.decimals,
        }
        for i in dataset.indicators.all()
    ]


def rule_initial(dataset: Dataset) -> list[dict[str, Any]]:
    return [
        {"condition": r.condition, "message": r.message, "field": r.field}
        for r in dataset.rules.all()
    ]


class PeriodsForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


def _display(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "normalize"):
        return services._plain(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class ReportForm(forms.Form):
    """One field per indicator, named by its code, holding the text typed; computed
    indicators are shown, not typed."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self,
        *args: Any,
        indicators: Sequence[Indicator],
        stored: dict[str, Any] | None = None,
        editable: bool = True,
        **kwargs: Any,
    ) -> None:
        if stored is not None:
            shown = {code: _display(v) for code, v in stored.items()}
            kwargs["initial"] = {**shown, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for ind in self.indicators:
            field: forms.Field
            attrs: dict[str, Any] = {"data-indicator": ind.code}
            if ind.type == IndicatorType.CHOICE:
                field = forms.ChoiceField(
                    choices=[("", "—"), *[(c, c) for c in ind.choices]], required=False
                )
            elif ind.type == IndicatorType.DATE:
                field = forms.CharField(
                    required=False, widget=forms.DateInput(attrs={"type": "date", **attrs})
                )
            elif ind.type == IndicatorType.TEXT:
                field = forms.CharField(
                    required=False, widget=forms.Textarea(attrs={"rows": 2, **attrs})
                )
            else:
                field = forms.CharField(
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", **attrs}),
                )
            if ind.is_computed or not editable:
                field.disabled = True
            field.widget.attrs.update(attrs)
            field.label = ind.heading
            field.help_text = ind.help or (
                _("Computed: %(expression)s") % {"expression": ind.expression}
                if ind.is_computed
                else ""
            )
            field.required = False
            self.fields[ind.code] = field

    def raw_values(self) -> dict[str, str]:
        return {i.code: self.data.get(i.code, "") for i in self.indicators if not i.is_computed}

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for code, messages in errors.items():
            self.add_error(code if code in self.fields else None, messages)


class ReturnForm(forms.Form):
    """A comment per indicator (``c_<code>``) and one on the whole report."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    general = forms.CharField(
        label=_("Comment on the whole report"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, indicators: Sequence[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for ind in self.indicators:
            self.fields[f"c_{ind.code}"] = forms.CharField(
                label=ind.label, required=False, max_length=500
            )

    def comments(self) -> dict[str, str]:
        out = {i.code: self.cleaned_data.get(f"c_{i.code}", "") for i in self.indicators}
        out[""] = self.cleaned_data.get("general", "")
        return out


class VersionForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Filled-in template (.xlsx)"))
    submit = forms.BooleanField(
        label=_("Submit the reports after saving them"), required=False, initial=False
    )


__all__ = ["Rule"]
