from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.orgs.models import Specialty


class MarkForm(forms.Form):
    icd10 = forms.CharField(
        label=_("ICD-10 code"), max_length=8, widget=forms.TextInput({"placeholder": "C34.1"})
    )
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=200)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=200,
        help_text=_("Separated by commas, e.g. 肺结节, 罕见病"),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    specialty = forms.ChoiceField(
        label=_("Specialty"),
        required=False,
        choices=[("", _("All specialties")), *Specialty.choices],
    )
    icd10 = forms.CharField(label=_("ICD-10 code starts with"), required=False, max_length=8)


class ExportRequestForm(forms.Form):
    purpose = forms.CharField(label=_("Research purpose"), widget=forms.Textarea({"rows": 3}))
    query = forms.CharField(label=_("Search words"), required=False, max_length=100)
    specialty = forms.ChoiceField(
        label=_("Specialty"),
        required=False,
        choices=[("", _("All specialties")), *Specialty.choices],
    )
    icd10 = forms.CharField(label=_("ICD-10 code starts with"), required=False, max_length=8)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea({"rows": 2}))
