"""A business form for the apply pages' tests: what a business app's form looks like
(``Form(data, files, *, applicant, variant, instance)`` and ``save() -> BusinessRequest``)."""

from __future__ import annotations

from typing import Any

from django import forms

from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import create_request, update_request

VISIT = "wf_visit"


class VisitForm(forms.Form):
    title = forms.CharField(max_length=200)
    visitors = forms.IntegerField(min_value=1, max_value=10)

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        applicant: Any,
        variant: str | None = None,
        instance: BusinessRequest | None = None,
    ) -> None:
        initial = {"title": instance.title.split("（")[0], "visitors": 1} if instance else None
        super().__init__(data, files, initial=initial)
        self.applicant = applicant
        self.variant = variant
        self.instance = instance

    def save(self) -> BusinessRequest:
        title = f"{self.cleaned_data['title']}（{self.cleaned_data['visitors']}人）"
        urgency = "urgent" if self.variant == "express" else "routine"
        if self.instance is not None:
            return update_request(self.instance, actor=self.applicant, title=title, urgency=urgency)
        return create_request(kind=VISIT, applicant=self.applicant, title=title, urgency=urgency)
