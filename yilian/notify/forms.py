from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email", "sms", "sms_urgent_only"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.instance.user
        # Help texts are rendered as HTML (web/forms/field.html): escape what the user typed.
        if user.email:
            address = escape(user.email)
            self.fields["email"].help_text = _("Sent to %(address)s.") % {"address": address}
        else:
            self.fields["email"].help_text = format_html(
                '{} <a href="{}">{}</a>',
                _("You have no e-mail address yet."),
                reverse("accounts:profile"),
                _("Add one to your profile."),
            )
        phone = escape(user.masked_phone)
        self.fields["sms"].help_text = _("Sent to %(phone)s.") % {"phone": phone}
