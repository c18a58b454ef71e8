from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Scope
from .services import LIFETIMES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What will use the token, e.g. “HIS interface” or “report script”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=Scope.choices, initial=Scope.READ, widget=forms.RadioSelect
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=[(d, _("%(d)d days") % {"d": d}) for d in LIFETIMES],
        initial=90,
    )
