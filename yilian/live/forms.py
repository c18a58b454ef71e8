from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Hospital
from yilian.workflow.forms import local_datetime_field

from .models import Audience, EventKind, LiveEvent
from .services import EventData


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    starts_at = local_datetime_field(_("Starts at"), required=True)
    ends_at = local_datetime_field(_("Ends at"), required=True)
    host_hospital = forms.ModelChoiceField(
        label=_("Host hospital"), queryset=Hospital.objects.none()
    )
    audience = forms.ChoiceField(
        label=_("Audience (conferences)"),
        choices=[
            (Audience.MEMBERS, Audience.MEMBERS.label),
            (Audience.PUBLIC, Audience.PUBLIC.label),
        ],
        initial=Audience.MEMBERS,
        help_text=_("A surgery demonstration is always for registered medical staff only."),
    )
    organisers = forms.ModelMultipleChoiceField(
        label=_("Organisers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("They see the stream key, moderate the Q&A and see watch time."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_hospital"].queryset = Hospital.objects.active().order_by("name")  # type: ignore[attr-defined]
        self.fields["organisers"].queryset = (  # type: ignore[attr-defined]
            User.objects.active()
            .exclude(role_assignments__role=Role.PATIENT)
            .filter(role_assignments__isnull=False)
            .distinct()
            .order_by("name", "pk")
        )

    @classmethod
    def initial_for(cls, event: LiveEvent) -> dict[str, Any]:
        return {
            "title": event.title,
            "kind": event.kind,
            "description": event.description,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "host_hospital": event.host_hospital,
            "audience": event.audience
            if event.audience != Audience.MEDICAL_STAFF
            else Audience.MEMBERS,
            "organisers": list(event.organisers.all()),
        }

    def data_for_service(self) -> EventData:
        c = self.cleaned_data
        return EventData(
            title=c["title"],
            kind=c["kind"],
            description=c["description"],
            starts_at=c["starts_at"],
            ends_at=c["ends_at"],
            host_hospital=c["host_hospital"],
            audience=c["audience"],
            organisers=list(c["organisers"]),
        )
