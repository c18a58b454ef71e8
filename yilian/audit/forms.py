"""The auditors' search: what each filter accepts, and what to say when it does not."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction, Outcome

DATE_FORMATS = ["%Y-%m-%d"]


class AuditSearchForm(forms.Form):
    """Bound to the query string. The selector reads the submitted text itself (so the page,
    its links and the export share one query); the form only says what is wrong with it."""

    who = forms.CharField(required=False, max_length=100)
    action = forms.ChoiceField(
        required=False, choices=[("", ""), *AuditAction.choices], label=_("Action")
    )
    outcome = forms.ChoiceField(
        required=False, choices=[("", ""), *Outcome.choices], label=_("Outcome")
    )
    object_type = forms.CharField(required=False, max_length=60)
    object_id = forms.CharField(required=False, max_length=64)
    date_from = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Give the start date as YYYY-MM-DD, e.g. 2026-03-01.")},
    )
    date_to = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Give the end date as YYYY-MM-DD, e.g. 2026-03-31.")},
    )
    patient = forms.CharField(required=False, max_length=400)

    def clean_patient(self) -> str:
        value: str = self.cleaned_data["patient"]
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            try:
                uuid.UUID(part)
            except ValueError:
                raise forms.ValidationError(
                    _(
                        "“%(value)s” is not a patient's public id (it looks like "
                        "2f1c…-…, as in the patient's link). To find a patient by national "
                        "ID or mobile number, use “Find a patient”."
                    ),
                    code="patient",
                    params={"value": part[:40]},
                ) from None
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        start: date | None = self.cleaned_data.get("date_from")
        end: date | None = self.cleaned_data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return self.cleaned_data


class PatientLookupForm(forms.Form):
    """A patient's national ID or mobile number, sent in the body (never in a link)."""

    identifier = forms.CharField(
        max_length=30,
        label=_("National ID or mobile number"),
        error_messages={"required": _("Give a national ID or a mobile number.")},
    )
