"""Application forms of the e-clinic and the ward round (built by the engine's apply
pages as ``Form(data, files, applicant=user, variant=None, instance=request)``), and the
expert's schedule, exception and comment forms. Forms collect and validate; services
write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yilian.accounts.models import User
from yilian.patients.forms import PatientChoiceField
from yilian.patients.models import Patient
from yilian.patients.selectors import patients_to_choose
from yilian.workflow.forms import local_datetime_field
from yilian.workflow.models import BusinessRequest, Urgency

from . import selectors, services
from .models import ClinicSlot, ClinicVisit, WardRound, Weekday


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ClinicSlot) -> str:  # type: ignore[override]
        start = formats.date_format(timezone.localtime(obj.start), "SHORT_DATETIME_FORMAT")
        return f"{start} · {obj.expert}"


class EClinicForm(forms.Form):
    slot = SlotChoiceField(
        label=_("Clinic slot"),
        queryset=ClinicSlot.objects.none(),
        to_field_name="public_id",
        help_text=_("A free slot of an expert's e-clinic."),
    )
    patient = PatientChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        to_field_name="public_id",
        help_text=_("The patient who will be with you during the visit."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="routine")
    complaint = forms.CharField(
        label=_("Complaint"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The complaint, history and what you want the expert to look at."),
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
        visit = ClinicVisit.objects.filter(request=instance).first() if instance else None
        slots = selectors.free_slots()
        if visit is not None and instance is not None:
            initial = {
                "slot": visit.slot,
                "patient": instance.patient,
                "urgency": instance.urgency,
                "complaint": visit.complaint,
            }
            slots = (slots | ClinicSlot.objects.filter(pk=visit.slot_id)).distinct()
        super().__init__(data, files, initial=initial)
        self.fields["slot"].queryset = slots  # type: ignore[attr-defined]
        self.fields["patient"].queryset = patients_to_choose(applicant)  # type: ignore[attr-defined]

    def visit_data(self) -> services.VisitData:
        c = self.cleaned_data
        return services.VisitData(
            slot=c.get("slot"),
            patient=c.get("patient"),
            complaint=c.get("complaint", ""),
            urgency=c.get("urgency", ""),
        )

    def save(self) -> BusinessRequest:
        return services.save_visit(
            applicant=self.applicant, data=self.visit_data(), instance=self.instance
        )


class WardRoundRowForm(forms.Form):
    patient = PatientChoiceField(
        label=_("Patient"), queryset=Patient.objects.none(), to_field_name="public_id"
    )
    bed = forms.CharField(label=_("Bed"), max_length=20)
    summary = forms.CharField(
        label=_("Summary"), max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    question = forms.CharField(
        label=pgettext_lazy("ward round: what the hospital asks about a patient", "Question"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_on_file = forms.BooleanField(
        label=_("The patient's signed consent is on file at our hospital"),
        required=True,
    )

    def __init__(self, *args: Any, applicant: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients_to_choose(applicant)  # type: ignore[attr-defined]


class BaseRowFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        chosen = [
            f.cleaned_data.get("patient")
            for f in self.forms
            if f.cleaned_data and not self._should_delete_form(f)
        ]
        ids = [p.pk for p in chosen if p is not None]
        if len(ids) != len(set(ids)):
            raise ValidationError(_("A patient is listed twice."))


RowFormSet = forms.formset_factory(
    WardRoundRowForm,
    formset=BaseRowFormSet,
    extra=0,
    min_num=services.MIN_ROWS,
    max_num=services.MAX_ROWS,
    validate_min=True,
    validate_max=True,
)


BLANK_ROWS = 4


class WardRoundForm(forms.Form):
    """The round's ward and time, and its patient rows (a formset rendered with it)."""

    template_name = "clinics/ward_round_form.html"

    ward = forms.CharField(label=_("Ward"), max_length=100)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial="routine")
    desired_start = local_datetime_field(_("Desired start"))

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
        rows: list[dict[str, Any]] = []
        round_ = WardRound.objects.filter(request=instance).first() if instance else None
        if round_ is not None and instance is not None:
            initial = {
                "ward": round_.ward,
                "urgency": instance.urgency,
                "desired_start": instance.desired_start,
            }
            rows = [
                {
                    "patient": r.patient,
                    "bed": r.bed,
                    "summary": r.summary,
                    "question": r.question,
                    "consent_on_file": r.consent_on_file,
                }
                for r in selectors.rows_of(round_)
            ]
        super().__init__(data, files, initial=initial)
        self.rows = RowFormSet(
            data, prefix="rows", initial=rows or None, form_kwargs={"applicant": applicant}
        )
        # Blank rows to fill in (left empty, they are ignored); up to the maximum.
        self.rows.extra = max(0, min(BLANK_ROWS, services.MAX_ROWS - len(rows) - services.MIN_ROWS))
        if rows:
            self.rows.extra = max(0, min(2, services.MAX_ROWS - len(rows)))

    def is_valid(self) -> bool:
        return super().is_valid() & self.rows.is_valid()

    def ward_round_data(self) -> services.WardRoundData:
        c = self.cleaned_data
        return services.WardRoundData(
            ward=c.get("ward", ""),
            urgency=c.get("urgency", ""),
            desired_start=c.get("desired_start"),
            rows=[
                services.RowData(
                    patient=r.get("patient"),
                    bed=r.get("bed", ""),
                    summary=r.get("summary", ""),
                    question=r.get("question", ""),
                    consent_on_file=bool(r.get("consent_on_file")),
                )
                for r in self.rows.cleaned_data
                if r
            ],
        )

    def save(self) -> BusinessRequest:
        return services.save_ward_round(
            applicant=self.applicant, data=self.ward_round_data(), instance=self.instance
        )


class ScheduleForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(
        label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("End"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"),
        initial=20,
        min_value=services.MIN_SLOT_MINUTES,
        max_value=services.MAX_SLOT_MINUTES,
    )
    valid_from = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for no end."),
    )

    def schedule_data(self) -> services.ScheduleData:
        return services.ScheduleData(**self.cleaned_data)


class ExceptionForm(forms.Form):
    date = forms.DateField(
        label=_("Date without clinic"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
