"""Pages of referrals: the receiving hospital's departments (options for the apply form)
and the referral letter PDF (the request page itself is the engine's). Thin: parse, call
one selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.core.pdf import pdf_response

from . import selectors


@login_required
@require_GET
def departments(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of the receiving hospital's departments (htmx)."""
    options = selectors.departments_of_hospital(request.GET.get("target_hospital"))
    return render(request, "referrals/_department_options.html", {"departments": options})


@login_required
@require_GET
def letter(request: HttpRequest, public_id: str) -> HttpResponse:
    found = selectors.letter_for(request.user, public_id)
    business = found.request
    referral = found.referral
    reference = (
        f"ZZ-{timezone.localdate(business.created_at):%Y%m}-{str(business.public_id)[:8].upper()}"
    )
    context = {
        "request_obj": business,
        "referral": referral,
        "patient": business.patient,
        "sender": business.applicant_hospital,
        "sender_department": business.applicant.department,
        "consent": found.consent,
        "reference": reference,
        "issued_on": timezone.localdate(business.confirmed_at or timezone.now()),
    }
    record(request, action=AuditAction.DOWNLOAD, target=business, patient=business.patient)
    return pdf_response(
        "referrals/pdf/letter.html",
        context,
        gettext("Referral letter %(ref)s.pdf") % {"ref": reference},
    )
