"""Forms of the patient pages and of the consent. Forms collect; services check and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Consent, Patient, Sex


class PatientChoiceField(forms.ModelChoiceField):
    """Choose one of the hospital's patients: name and masked national ID. A form that has
    one lists patients, so the page that shows it records an audit entry (see
    ``lists_patients``)."""

    def label_from_instance(self, obj: Patient) -> str:  # type: ignore[override]
        masked = obj.masked_national_id
        return f"{obj.name} · {masked}" if masked else obj.name


def lists_patients(form: forms.BaseForm) -> bool:
    """Whether ``form`` (or a formset it carries as ``rows``) offers patients to choose."""
    candidates = [form]
    rows = getattr(form, "rows", None)
    if rows is not None:
        candidates.append(rows.empty_form)
    return any(
        isinstance(field, PatientChoiceField) for f in candidates for field in f.fields.values()
    )


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    national_id = forms.CharField(
        label=_("National ID"),
        max_length=30,
        required=False,
        help_text=_("Birth date and sex are read from it when you leave them empty."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    medical_record_number = forms.CharField(
        label=_("Medical record number"),
        max_length=40,
        required=False,
        help_text=_("Give at least one of national ID and medical record number."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "sex": data["sex"],
            "birth_date": data["birth_date"],
            "national_id": data["national_id"],
            "phone": data["phone"],
            "medical_record_number": data["medical_record_number"],
            "address": data["address"],
        }


class SearchForm(forms.Form):
    query = forms.CharField(
        label=_("Search"),
        max_length=60,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Name, record number, national ID or mobile"),
            }
        ),
    )


class SignerFields(forms.Form):
    signer = forms.ChoiceField(
        label=_("Signed by"), choices=Consent.Signer.choices, initial=Consent.Signer.PATIENT
    )
    signer_name = forms.CharField(label=_("Signer's name"), max_length=60)


class ConsentUploadForm(SignerFields):
    document = forms.FileField(
        label=_("Signed consent form"),
        help_text=_("A PDF, or a photo (JPEG or PNG) of the signed form."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class SignatureForm(SignerFields):
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
