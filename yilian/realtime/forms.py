from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors


class StartSessionForm(forms.Form):
    """A room administrator starts a session in a standing meeting/teaching room."""

    room = forms.ModelChoiceField(queryset=None, label=_("Room"))  # type: ignore[arg-type]
    title = forms.CharField(label=_("Title"), max_length=200)
    people = forms.ModelMultipleChoiceField(
        queryset=None,  # type: ignore[arg-type]
        label=_("Invite"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rooms = selectors.rooms_administered_by(user)
        self.fields["room"].queryset = rooms  # type: ignore[attr-defined]
        self.fields["people"].queryset = selectors.invitable_people(None).exclude(pk=user.pk)  # type: ignore[attr-defined]
