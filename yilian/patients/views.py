"""The patient pages (list, search, record, register, edit), the consent on a request and
the public page where a patient signs through a one-time link.

Every page that shows or changes patient data appends exactly one audit entry."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yilian.accounts.models import User
from yilian.audit.models import AuditAction, Outcome
from yilian.audit.selectors import entries_for_patient
from yilian.audit.services import record
from yilian.core.links import LinkGone, gone_response
from yilian.core.pagination import page_of, paginate
from yilian.core.permissions import role_required
from yilian.workflow import registry
from yilian.workflow import selectors as workflow_selectors
from yilian.workflow.forms import attach_errors
from yilian.workflow.models import BusinessRequest

from . import selectors, services
from .forms import ConsentUploadForm, PatientForm, SearchForm, SignatureForm
from .models import Consent, Patient

WRITERS = tuple(services.WRITER_ROLES)


def _page_of(qs: QuerySet[Any], number: str | None) -> Page:
    return page_of(qs, number)


# --- list and search --------------------------------------------------------------------


@role_required(*WRITERS)
def patient_list(request: HttpRequest) -> HttpResponse:
    """The hospital's patients. Searching is a POST: names and numbers stay out of URLs
    and access logs; pages of a search are POSTed too."""
    user = request.user
    form = SearchForm(request.POST if request.method == "POST" else None)
    query = ""
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["query"].strip()
    if query:
        page = _page_of(selectors.search_patients(user, query), request.POST.get("page"))
        record(request, action=AuditAction.SEARCH)
    else:
        page = (
            _page_of(selectors.hospital_patients(user), request.POST.get("page"))
            if request.method == "POST"
            else paginate(request, selectors.hospital_patients(user))
        )
        record(request, action=AuditAction.LIST)
    context = {
        "page": page,
        "form": form,
        "query": query,
        "may_register": services.may_write_patients(user),
    }
    template = "patients/list.html#results" if request.htmx else "patients/list.html"
    return render(request, template, context)


# --- one patient ------------------------------------------------------------------------


def _patient_or_404(request: HttpRequest, public_id: str) -> Patient:
    """The patient if the user may see them; a refused attempt is audited, then 404."""
    try:
        return selectors.get_patient_for_user(request.user, public_id)
    except Http404:
        record(request, action=AuditAction.VIEW, outcome=Outcome.DENIED)
        raise


@login_required
def patient_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = request.user
    patient = _patient_or_404(request, public_id)
    record(request, action=AuditAction.VIEW, target=patient, patient=patient)
    in_full = selectors.may_see_in_full(user, patient)
    context = {
        "patient": patient,
        "in_full": in_full,
        "may_edit": services.may_edit(user, patient),
        "requests": list(selectors.requests_about(user, patient)[:50]),
        "access": paginate(request, entries_for_patient(patient)) if in_full else None,
    }
    if request.htmx and in_full and request.GET.get("page"):
        return render(request, "patients/detail.html#access", context)
    return render(request, "patients/detail.html", context)


def _save_patient(
    request: HttpRequest, form: PatientForm, patient: Patient | None
) -> Patient | None:
    """Call the service for a valid form; None (the errors on the form) otherwise."""
    if not form.is_valid():
        return None
    try:
        if patient is None:
            return services.register_patient(actor=request.user, **form.service_kwargs())
        return services.update_patient(patient, actor=request.user, **form.service_kwargs())
    except ValidationError as exc:
        attach_errors(form, exc)
        return None


@role_required(*WRITERS)
def patient_create(request: HttpRequest) -> HttpResponse:
    if not services.may_write_patients(request.user):
        raise PermissionDenied
    form = PatientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        created = _save_patient(request, form, None)
        if created is not None:
            record(request, action=AuditAction.CREATE, target=created, patient=created)
            messages.success(request, _("%(name)s was registered.") % {"name": created.name})
            return redirect("patients:detail", created.public_id)
        record(request, action=AuditAction.CREATE, outcome=Outcome.FAILED)
    return render(request, "patients/form.html", {"form": form, "patient": None})


@role_required(*WRITERS)
def patient_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = _patient_or_404(request, public_id)
    if not services.may_edit(request.user, patient):
        record(request, action=AuditAction.UPDATE, target=patient, outcome=Outcome.DENIED)
        raise PermissionDenied
    if request.method != "POST":
        record(request, action=AuditAction.VIEW, target=patient, patient=patient)
        form = PatientForm(
            initial={
                "name": patient.name,
                "sex": patient.sex,
                "birth_date": patient.birth_date,
                "national_id": patient.national_id,
                "phone": patient.phone,
                "medical_record_number": patient.medical_record_number,
                "address": patient.address,
            }
        )
        return render(request, "patients/form.html", {"form": form, "patient": patient})
    form = PatientForm(request.POST)
    saved = _save_patient(request, form, patient)
    if saved is not None:
        record(request, action=AuditAction.UPDATE, target=saved, patient=saved)
        messages.success(request, _("The record was saved."))
        return redirect("patients:detail", saved.public_id)
    record(
        request, action=AuditAction.UPDATE, target=patient, patient=patient, outcome=Outcome.FAILED
    )
    return render(request, "patients/form.html", {"form": form, "patient": patient})


# --- consent on a request ---------------------------------------------------------------


def consent_context(
    user: User,
    business_request: BusinessRequest,
    *,
    upload_form: ConsentUploadForm | None = None,
    link: services.SigningLink | None = None,
    link_url: str = "",
    error: str = "",
) -> dict[str, Any]:
    """What the consent block shows for a request the caller has authorised reading."""
    consent = services.current_consent(business_request)
    signed = consent is not None and consent.is_signed
    may_record = not signed and services.may_record_consent(user, business_request)
    pending = (
        consent
        if consent is not None and not signed and consent.link_expires_at is not None
        else None
    )
    return {
        "req": business_request,
        "has_patient": business_request.patient_id is not None,
        "consent": consent if signed else None,
        "pending": pending,
        "may_record": may_record,
        "upload_form": upload_form or ConsentUploadForm(),
        "link": link,
        "link_url": link_url,
        "error": error,
    }


def _request_for_consent(request: HttpRequest, public_id: str) -> BusinessRequest:
    business_request = workflow_selectors.get_request_for_user(request.user, public_id)
    if business_request.patient_id is None:
        raise Http404
    return business_request


def _consent_response(
    request: HttpRequest, business_request: BusinessRequest, status: int = 200, **extra: Any
) -> HttpResponse:
    context = consent_context(request.user, business_request, **extra)
    if request.htmx:
        return render(request, "patients/_consent.html", context, status=status)
    return render(request, "patients/consent.html", context, status=status)


@login_required
def consent_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """The consent of one request on a page of its own (where the forms land without JS)."""
    business_request = _request_for_consent(request, public_id)
    record(
        request,
        action=AuditAction.VIEW,
        target=business_request,
        patient=business_request.patient,
    )
    return _consent_response(request, business_request)


@require_POST
@login_required
def consent_upload(request: HttpRequest, public_id: str) -> HttpResponse:
    business_request = _request_for_consent(request, public_id)
    if not services.may_record_consent(request.user, business_request):
        raise PermissionDenied
    form = ConsentUploadForm(request.POST, request.FILES)
    consent: Consent | None = None
    if form.is_valid():
        try:
            consent = services.record_uploaded_consent(
                business_request,
                actor=request.user,
                upload=form.cleaned_data["document"],
                signer=form.cleaned_data["signer"],
                signer_name=form.cleaned_data["signer_name"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
    patient = business_request.patient
    if consent is None:
        record(
            request,
            action=AuditAction.UPLOAD,
            target=business_request,
            patient=patient,
            outcome=Outcome.FAILED,
        )
        return _consent_response(
            request,
            business_request,
            status=422,
            upload_form=form,
            error=" ".join(form.non_field_errors()),
        )
    record(request, action=AuditAction.UPLOAD, target=consent, patient=patient)
    if request.htmx:
        return _consent_response(request, business_request)
    messages.success(request, _("The signed consent form was recorded."))
    return redirect("workflow:detail", business_request.public_id)


@require_POST
@login_required
def consent_link(request: HttpRequest, public_id: str) -> HttpResponse:
    business_request = _request_for_consent(request, public_id)
    if not services.may_record_consent(request.user, business_request):
        raise PermissionDenied
    try:
        link = services.create_signing_link(business_request, actor=request.user)
    except ValidationError as exc:
        return _consent_response(
            request, business_request, status=409, error=" ".join(exc.messages)
        )
    record(
        request, action=AuditAction.CREATE, target=link.consent, patient=business_request.patient
    )
    return _consent_response(
        request, business_request, link=link, link_url=request.build_absolute_uri(link.path)
    )


# --- the patient's signature (no login) ------------------------------------------------


def _kind_texts(business_request: BusinessRequest) -> tuple[Any, Any]:
    try:
        kind = registry.get_kind(business_request.kind)
    except LookupError:
        return business_request.kind, ""
    return kind.label, kind.description


def _gone(request: HttpRequest, gone: LinkGone) -> HttpResponse:
    return gone_response(
        request,
        gone,
        used=_("The consent was signed with it. A signing link works only once."),
        expired=_("Ask the doctor for a new signing link."),
    )


def consent_sign(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link: the token is the authorisation."""
    try:
        consent = services.consent_for_token(token)
    except services.LinkGone as gone:
        return _gone(request, gone)
    form = SignatureForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                consent = services.sign_consent(
                    token,
                    signer=form.cleaned_data["signer"],
                    signer_name=form.cleaned_data["signer_name"],
                    signature=form.cleaned_data["signature"],
                )
            except services.LinkGone as gone:
                return _gone(request, gone)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                # No actor: the signer is not an account (unless someone signed in opens it).
                record(
                    request,
                    action=AuditAction.SIGN,
                    target=consent,
                    patient=consent.patient,
                )
                return render(request, "patients/consent_signed.html", {"consent": consent})
        record(
            request,
            action=AuditAction.SIGN,
            target=consent,
            patient=consent.patient,
            outcome=Outcome.FAILED,
        )
        status = 422
    else:
        record(
            request,
            action=AuditAction.VIEW,
            target=consent,
            patient=consent.patient,
        )
    kind_label, kind_description = _kind_texts(consent.request)
    context = {
        "consent": consent,
        "form": form,
        "hospital": consent.request.applicant_hospital,
        "kind_label": kind_label,
        "kind_description": kind_description,
        "action": reverse("patients:consent_sign", args=[token]),
    }
    return render(request, "patients/consent_sign.html", context, status=status)
