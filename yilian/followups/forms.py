"""Forms of follow-up: the plan (the engine's apply form for kind ``follow_up``), a plan
from a consultation or referral, templates with their questions (a formset), and the
patient's questionnaire. Forms collect and validate; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.patients.forms import PatientChoiceField
from yilian.patients.models import Patient
from yilian.patients.selectors import patients_to_choose
from yilian.workflow.models import BusinessRequest

from . import services
from .models import FollowUpTemplate, QuestionType


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FollowUpTemplate) -> str:  # type: ignore[override]
        days = ", ".join(str(d) for d in obj.offsets)
        return f"{obj.name} · {days}"


class _PlanFields(forms.Form):
    template = TemplateChoiceField(
        label=_("Follow-up template"),
        queryset=FollowUpTemplate.objects.none(),
        to_field_name="public_id",
        help_text=_("The visits (days after the start) and the questionnaire of each visit."),
    )
    start_date = forms.DateField(
        label=_("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Usually the day of discharge or of the last visit."),
    )

    def __init__(self, *args: Any, applicant: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applicant = applicant
        self.fields["template"].queryset = services.templates_for(applicant)  # type: ignore[attr-defined]
        self.fields["start_date"].initial = timezone.localdate()


class PlanForm(_PlanFields):
    """The apply form of the engine (``PlanForm(data, files, applicant=…, variant=…,
    instance=…)``): a plan starts when it is saved (the request is submitted at once)."""

    field_order = ["patient", "template", "start_date"]
    patient = PatientChoiceField(
        label=_("Patient"),
        queryset=Patient.objects.none(),
        to_field_name="public_id",
        help_text=_("A patient of your hospital (register them first if they are not listed)."),
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        applicant: User,
        variant: str | None = None,
        instance: BusinessRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, files, applicant=applicant, **kwargs)
        self.instance = instance
        self.fields["patient"].queryset = patients_to_choose(applicant)  # type: ignore[attr-defined]

    def save(self) -> BusinessRequest:
        plan = services.start_plan(
            doctor=self.applicant,
            patient=self.cleaned_data["patient"],
            template=self.cleaned_data["template"],
            start_date=self.cleaned_data["start_date"],
        )
        return plan.request


class FromRequestForm(_PlanFields):
    """A plan for the patient of a closed consultation or completed down-referral."""


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    offsets = forms.CharField(
        label=_("Visits (days after the start)"),
        max_length=100,
        help_text=_("Whole numbers separated by commas, e.g. 7, 30, 90."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class QuestionForm(forms.Form):
    # Not required here: an empty row is left out, a half-filled one is refused by the
    # service next to its field.
    label = forms.CharField(label=_("Question"), max_length=200, required=False)
    type = forms.ChoiceField(
        label=_("Answer"), choices=QuestionType.choices, initial=QuestionType.TEXT
    )
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a choice: one option per line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    alert = forms.CharField(
        label=_("Alert the doctor on"),
        required=False,
        max_length=60,
        help_text=_("Yes/no: “yes” or “no”; number: from this value; choice: an option."),
    )


QuestionFormSet = forms.formset_factory(
    QuestionForm, extra=1, can_delete=True, max_num=services.MAX_QUESTIONS, validate_max=True
)


def question_initial(template: FollowUpTemplate) -> list[dict[str, Any]]:
    return [{**q, "options": "\n".join(q.get("options", []))} for q in template.questions]


class AnswerForm(forms.Form):
    """The questionnaire of one visit, built from the plan's questions (``q1``, ``q2`` …)."""

    def __init__(self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, q in enumerate(questions, start=1):
            kind = q.get("type")
            required = bool(q.get("required"))
            field: forms.Field
            if kind == QuestionType.YES_NO:
                field = forms.ChoiceField(
                    choices=[("yes", _("Yes")), ("no", _("No"))],
                    widget=forms.RadioSelect,
                    required=required,
                )
            elif kind == QuestionType.CHOICE:
                field = forms.ChoiceField(
                    choices=[(o, o) for o in q.get("options", [])],
                    widget=forms.RadioSelect,
                    required=required,
                )
            elif kind == QuestionType.NUMBER:
                field = forms.IntegerField(
                    min_value=0,
                    max_value=10,
                    required=required,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                    help_text=_("0 to 10"),
                )
            else:
                field = forms.CharField(
                    max_length=services.MAX_ANSWER,
                    required=required,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            field.label = q.get("label", "")
            self.fields[f"q{number}"] = field
