"""The referral application form (built by the engine's apply pages as
``ReferralForm(data, files, applicant=user, variant=None, instance=request)``). The
departments offered are those of the receiving hospital chosen (the list is refreshed by
htmx when the hospital changes). Forms collect and validate; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.orgs.models import Department, Hospital
from yilian.patients.forms import PatientChoiceField
from yilian.patients.models import Patient
from yilian.patients.selectors import patients_to_choose
from yilian.workflow.models import BusinessRequest, Urgency

from . import selectors, services
from .models import Direction, Referral


class HospitalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Hospital) -> str:  # type: ignore[override]
        return f"{obj.name} · {obj.get_tier_display()}"


class ReferralForm(forms.Form):
    patient = PatientChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        to_field_name="public_id",
        help_text=_("A patient of your hospital (register them first if they are not listed)."),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.UP,
        widget=forms.RadioSelect,
        help_text=_(
            "Up: to a hospital of a higher tier or the lead hospital. Down: to any member "
            "hospital, for continuing care."
        ),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="routine")
    target_hospital = HospitalChoiceField(
        label=_("Receiving hospital"),
        queryset=Hospital.objects.none(),
        to_field_name="public_id",
    )
    target_department = forms.ModelChoiceField(
        label=_("Receiving department"),
        queryset=Department.objects.none(),
        to_field_name="public_id",
        help_text=_("The departments of the receiving hospital."),
    )
    diagnosis_code = forms.CharField(
        label=_("ICD-10 code"),
        max_length=10,
        help_text=_("E.g. I21.4 or J18."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    diagnosis_text = forms.CharField(label=_("Diagnosis"), max_length=services.MAX_DIAGNOSIS)
    reason = forms.CharField(
        label=_("Reason for referral"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Condition, treatment so far, and what the receiving side should do."),
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
        referral = (
            Referral.objects.select_related("target_hospital", "target_department")
            .filter(request=instance)
            .first()
            if instance is not None
            else None
        )
        if referral is not None and instance is not None:
            initial = {
                "patient": instance.patient,
                "urgency": instance.urgency,
                "direction": referral.direction,
                "target_hospital": referral.target_hospital,
                "target_department": referral.target_department,
                "diagnosis_code": referral.diagnosis_code,
                "diagnosis_text": referral.diagnosis_text,
                "reason": referral.reason,
            }
        super().__init__(data, files, initial=initial)
        self.fields["patient"].queryset = patients_to_choose(applicant)  # type: ignore[attr-defined]
        self.fields["target_hospital"].queryset = selectors.receiving_hospitals(applicant)  # type: ignore[attr-defined]
        self.fields["target_hospital"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("referrals:departments"),
                "hx-target": "#id_target_department",
                "hx-trigger": "change",
            }
        )
        chosen = (
            self.data.get("target_hospital")
            if self.is_bound
            else (referral.target_hospital.public_id if referral is not None else None)
        )
        self.fields["target_department"].queryset = selectors.departments_of_hospital(chosen)  # type: ignore[attr-defined]

    def clean_diagnosis_code(self) -> str:
        return services.normalise_icd10(self.cleaned_data.get("diagnosis_code", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            errors = services.referral_errors(self.applicant, self.referral_data())
            for name, message in errors.items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def referral_data(self) -> services.ReferralData:
        c = self.cleaned_data
        return services.ReferralData(
            patient=c.get("patient"),
            direction=c.get("direction", ""),
            target_hospital=c.get("target_hospital"),
            target_department=c.get("target_department"),
            diagnosis_code=c.get("diagnosis_code", ""),
            diagnosis_text=c.get("diagnosis_text", ""),
            reason=c.get("reason", ""),
            urgency=c.get("urgency", ""),
        )

    def save(self) -> BusinessRequest:
        return services.save_referral(
            applicant=self.applicant, data=self.referral_data(), instance=self.instance
        )
