from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.orgs.models import Hospital

from .models import Category, Question, Standard
from .policies import TARGETABLE_ROLES


class StandardForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    code = forms.CharField(label=_("Number"), max_length=40, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    new_category = forms.CharField(label=_("Or a new category"), max_length=60, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea, required=False)
    tiers = forms.MultipleChoiceField(
        label=_("Hospital tiers"),
        choices=Hospital.Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Hospital categories"),
        choices=Hospital.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    hospitals = forms.ModelMultipleChoiceField(
        label=_("Also these hospitals"),
        queryset=Hospital.objects.active(),
        required=False,
        help_text=_("Nothing chosen above and here: every member hospital."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(r.value, r.label) for r in TARGETABLE_ROLES],
        initial=[r.value for r in TARGETABLE_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )
    pass_mark = forms.IntegerField(
        label=_("Quiz pass mark (%)"), min_value=0, max_value=100, initial=80
    )

    @classmethod
    def for_standard(cls, standard: Standard) -> StandardForm:
        return cls(
            initial={
                "title": standard.title,
                "code": standard.code,
                "category": standard.category,
                "summary": standard.summary,
                "tiers": standard.target_tiers,
                "categories": standard.target_categories,
                "hospitals": list(standard.target_hospitals.all()),
                "roles": standard.target_roles,
                "pass_mark": standard.pass_mark,
            }
        )


class VersionForm(forms.Form):
    label = forms.CharField(label=_("Version"), max_length=40, help_text=_("e.g. 2024 edition"))
    notes = forms.CharField(label=_("What changed"), widget=forms.Textarea, required=False)
    file = forms.FileField(label=_("Document (PDF)"))


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    choices = forms.CharField(
        label=_("Choices, one a line"), widget=forms.Textarea(attrs={"rows": 4})
    )
    answer = forms.IntegerField(
        label=_("Number of the correct choice"), min_value=1, help_text=_("1 is the first line.")
    )


class AcknowledgeForm(forms.Form):
    """ "I have read and will apply", with one radio group per quiz question."""

    confirmed = forms.BooleanField(
        label=_("I have read this version and will apply it."), required=False
    )

    def __init__(self, questions: list[Question], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                label=q.text,
                choices=list(enumerate(q.choices)),
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[int, int | None]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q{q.pk}"] for q in self.questions]
