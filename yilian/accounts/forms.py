from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yilian.orgs import selectors as orgs
from yilian.orgs.models import Department, Hospital

from .models import User, phone_validator


class PhoneAuthenticationForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Mobile phone"),
        max_length=11,
        widget=forms.TextInput(
            attrs={"autofocus": True, "inputmode": "numeric", "autocomplete": "username"}
        ),
    )
    error_messages = {
        "invalid_login": _("The mobile number or password is wrong."),
        "inactive": _("This account is disabled. Contact your hospital administrator."),
    }


class RegistrationForm(forms.Form):
    province = forms.ChoiceField(label=_("Province"), required=False)
    hospital = forms.ModelChoiceField(
        label=_("Hospital"),
        queryset=Hospital.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose your hospital"),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose your department"),
    )
    name = forms.CharField(label=_("Name"), max_length=60)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=11,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    title = forms.ChoiceField(
        label=_("Professional title"), choices=User.Title.choices, required=False
    )
    licence_number = forms.CharField(
        label=_("Practising licence number"),
        max_length=30,
        required=False,
        validators=User._meta.get_field("licence_number").validators,
    )
    email = forms.EmailField(label=_("E-mail (for password reset)"), required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("All provinces"))] + [
            (d.code, d.name) for d in orgs.provinces()
        ]
        # Bound forms choose from what was posted; the htmx refresh passes ``initial``.
        chosen = self.data if self.is_bound else self.initial
        self.fields["hospital"].queryset = orgs.hospitals_open_for_registration(
            chosen.get("province", "")
        )
        hospital = self._selected_hospital(chosen.get("hospital"))
        self.fields["department"].queryset = (
            hospital.departments.filter(is_active=True) if hospital else Department.objects.none()
        )

    @staticmethod
    def _selected_hospital(raw: object) -> Hospital | None:
        if not raw:
            return None
        try:
            return orgs.hospitals_open_for_registration().get(public_id=raw)
        except (Hospital.DoesNotExist, ValueError, ValidationError):
            return None

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(
                _("This mobile number is already registered. Log in or reset your password.")
            )
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(phone=data.get("phone", ""), name=data.get("name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant sees this reason."),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "title", "licence_number", "department"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hospital = self.instance.hospital
        department = self.fields["department"]
        department.to_field_name = "public_id"  # public ids only, in forms as in URLs
        self.initial["department"] = self.instance.department
        department.queryset = (
            hospital.departments.filter(is_active=True) if hospital else Department.objects.none()
        )
