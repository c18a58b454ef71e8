"""Checks the remote-medical kinds put on their steps (``Kind.guards``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.workflow.models import BusinessRequest

from .models import Consent


def require_consent(
    request: BusinessRequest, actor: User, data: Mapping[str, Any]
) -> dict[str, Any]:
    """A request about a patient is submitted only with the patient's signed consent."""
    if request.patient_id is None:
        raise ValidationError(
            {"patient": _("Choose the patient this request is about.")}, code="no_patient"
        )
    consent = Consent.objects.filter(request=request, signed_at__isnull=False).first()
    if consent is None or consent.patient_id != request.patient_id:
        raise ValidationError(
            _(
                "The patient's informed consent is missing: upload the signed form or let "
                "the patient sign on a phone before submitting."
            ),
            code="no_consent",
        )
    return {"consent": str(consent.public_id)}
