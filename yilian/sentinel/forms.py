"""The weekly report form: one number box per indicator of the programme. The checks
themselves (whole, non-negative, within the indicator it may not exceed) are the service's;
the form only carries what was typed, so it comes back as typed with the messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.orgs.models import Hospital

from .models import Indicator, Programme, RuleKind


class ReportForm(forms.Form):
    week = forms.CharField(
        label=_("Week"), widget=forms.TextInput(attrs={"type": "week"}), max_length=10
    )

    def __init__(self, programme: Programme, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicators: list[Indicator] = list(programme.indicators.all())
        for indicator in self.indicators:
            self.fields[indicator.code] = forms.CharField(
                label=indicator.label,
                required=False,
                max_length=9,
                widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
            )

    def indicator_fields(self) -> list[forms.BoundField]:
        return [self[i.code] for i in self.indicators]


class AlertActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("acknowledge", _("Acknowledge")), ("close", _("Close"))],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProgrammeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Letters, digits, - or _."))
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    due_days = forms.IntegerField(
        label=_("Days allowed after the week"), min_value=0, max_value=14, initial=1
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def for_programme(cls, programme: Programme) -> ProgrammeForm:
        return cls(
            initial={
                "code": programme.code,
                "name": programme.name,
                "description": programme.description,
                "due_days": programme.due_days,
                "active": programme.active,
            }
        )


class IndicatorForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    label = forms.CharField(label=_("Label"), max_length=80)
    not_above = forms.ModelChoiceField(
        label=_("May not exceed"), queryset=Indicator.objects.none(), required=False
    )

    def __init__(self, programme: Programme, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["not_above"].queryset = programme.indicators.all()


class SiteForm(forms.Form):
    hospital = forms.ModelChoiceField(label=_("Hospital"), queryset=Hospital.objects.none())
    since = forms.DateField(
        label=_("Reporting from"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, programme: Programme, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = Hospital.objects.active().exclude(
            sentinel_sites__programme=programme, sentinel_sites__active=True
        )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices)
    threshold = forms.IntegerField(
        label=_("Threshold (threshold rules)"), min_value=1, required=False
    )
    baseline_weeks = forms.IntegerField(
        label=_("Baseline weeks N (baseline rules)"), min_value=3, max_value=52, initial=8
    )
    sd_multiplier = forms.DecimalField(
        label=_("Standard deviations k (baseline rules)"),
        min_value=0,
        max_value=10,
        decimal_places=2,
        initial=2,
    )
    min_count = forms.IntegerField(label=_("Minimum count"), min_value=0, initial=5)

    def __init__(self, programme: Programme, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = programme.indicators.all()
