"""The consultation application form (built by the engine's apply pages as
``ConsultationForm(data, files, applicant=user, variant=None, instance=request)``) and an
expert's part of an MDT opinion. Forms collect and validate; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.files.validators import DOCUMENTS, check_upload
from yilian.orgs.models import Specialty
from yilian.patients.forms import PatientChoiceField
from yilian.patients.models import Patient
from yilian.patients.selectors import patients_to_choose
from yilian.workflow.models import BusinessRequest, Urgency

from . import services
from .models import Consultation, Mode, Subtype


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CaseFilesField(forms.FileField):
    """Several reports or images at once, each checked by its content."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned = []
        for upload in uploads:
            upload = super().clean(upload, initial)
            if upload and hasattr(upload, "size"):
                check_upload(upload, DOCUMENTS)
                cleaned.append(upload)
        return cleaned


class ConsultationForm(forms.Form):
    patient = PatientChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        to_field_name="public_id",
        help_text=_("A patient of your hospital (register them first if they are not listed)."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="routine")
    subtype = forms.ChoiceField(
        label=_("Kind of consultation"),
        choices=Subtype.choices,
        initial=Subtype.GENERAL,
        # app.js shows the MDT specialties only while MDT is chosen.
        widget=forms.Select(
            attrs={"data-reveals": "field-mdt_specialties", "data-reveals-when": Subtype.MDT}
        ),
    )
    mdt_specialties = forms.MultipleChoiceField(
        label=_("Specialties to involve (MDT)"),
        choices=Specialty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For an MDT consultation: at least two."),
    )
    specialty = forms.ChoiceField(label=_("Specialty wanted"), choices=Specialty.choices)
    expert_title = forms.ChoiceField(
        label=_("Expert title wanted"),
        choices=[("", _("any")), *[c for c in User.Title.choices if c[0]]],
        required=False,
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=Mode.choices, initial=Mode.VIDEO, widget=forms.RadioSelect
    )
    case_summary = forms.CharField(
        label=_("Case summary"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("History, examination and test results, diagnosis and treatment so far."),
    )
    clinical_question = forms.CharField(
        label=_("Clinical question"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the experts should answer."),
    )
    attachments = CaseFilesField(
        label=_("Reports and images"),
        required=False,
        help_text=_("Test reports, imaging, pathology: PDF, JPEG, PNG, Word or Excel."),
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
        consultation = (
            Consultation.objects.filter(request=instance).first() if instance is not None else None
        )
        if consultation is not None and instance is not None:
            initial = {
                "patient": instance.patient,
                "urgency": instance.urgency,
                "subtype": consultation.subtype,
                "mdt_specialties": consultation.mdt_specialties,
                "specialty": consultation.specialty,
                "expert_title": consultation.expert_title,
                "mode": consultation.mode,
                "case_summary": consultation.case_summary,
                "clinical_question": consultation.clinical_question,
            }
        super().__init__(data, files, initial=initial)
        self.fields["patient"].queryset = patients_to_choose(applicant)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            errors = services.consultation_errors(self.applicant, self.consultation_data())
            for name, message in errors.items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def consultation_data(self) -> services.ConsultationData:
        c = self.cleaned_data
        return services.ConsultationData(
            patient=c.get("patient"),
            urgency=c.get("urgency", ""),
            subtype=c.get("subtype", ""),
            case_summary=c.get("case_summary", ""),
            clinical_question=c.get("clinical_question", ""),
            specialty=c.get("specialty", ""),
            expert_title=c.get("expert_title", ""),
            mode=c.get("mode", ""),
            mdt_specialties=tuple(c.get("mdt_specialties") or ()),
        )

    def save(self) -> BusinessRequest:
        return services.save_consultation(
            applicant=self.applicant,
            data=self.consultation_data(),
            files=self.cleaned_data.get("attachments") or [],
            instance=self.instance,
        )


class PartForm(forms.Form):
    body = forms.CharField(
        label=_("Your part of the opinion"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Your specialty's assessment and advice; the lead expert combines the parts."),
    )
