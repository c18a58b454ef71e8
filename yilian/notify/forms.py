from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "sms", "sms_urgent_only"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance.user
        # Help texts are escaped when rendered; only format_html's output is kept as HTML.
        if user.email:
            self.fields["email"].help_text = _("Sent to %(address)s.") % {"address": user.email}
        else:
            self.fields["email"].help_text = format_html(
                '{} <a href="{}">{}</a>',
                _("You have no e-mail address yet."),
                reverse("accounts:profile"),
                _("Add one to your profile."),
            )
        self.fields["sms"].help_text = _("Sent to %(phone)s.") % {"phone": user.masked_phone}
