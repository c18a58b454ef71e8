from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User

from . import selectors
from .models import Ticket


class TicketForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Kind of feedback"), choices=Ticket.Category.choices, widget=forms.RadioSelect
    )
    about = forms.ChoiceField(label=_("About"), choices=Ticket.About.choices)
    request = forms.ChoiceField(label=_("Business request"), required=False)
    room = forms.ChoiceField(label=_("Cloud room"), required=False)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests = {str(r.public_id): r for r in selectors.requests_to_give_feedback_on(user)}
        self.rooms = {str(r.public_id): r for r in selectors.rooms_to_give_feedback_on()}
        self.fields["request"].choices = [("", "—")] + [
            (k, r.title) for k, r in self.requests.items()
        ]
        self.fields["room"].choices = [("", "—")] + [
            (k, f"{r.name} · {r.hospital.name}") for k, r in self.rooms.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["request_obj"] = self.requests.get(data.get("request") or "")
        data["room_obj"] = self.rooms.get(data.get("room") or "")
        return data


class TriageForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
