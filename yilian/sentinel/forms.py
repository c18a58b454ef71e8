"""The weekly report form: one number box per indicator of the programme. The checks
themselves (whole, non-negative, within the indicator it may not exceed) are the service's;
the form only carries what was typed, so it comes back as typed with the messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Indicator, Programme


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
