from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .validators import check_upload


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload)
        return upload
