"""Pages of the difficult-case database: search, a case with similar ones, marking a
consultation, research exports. Every read is audited; only medical staff read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.accounts.roles import Role
from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.core.export import table_response
from yilian.core.pagination import paginate
from yilian.workflow.forms import attach_errors
from yilian.workflow.selectors import get_request_for_user

from . import selectors, services
from .forms import DecisionForm, ExportRequestForm, MarkForm, SearchForm


def _reader(request: HttpRequest) -> None:
    if not selectors.may_read(request.user):
        raise PermissionDenied


@require_GET
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _reader(request)
    form = SearchForm(request.GET)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    cases = selectors.search_cases(
        query=filters.get("q", ""),
        specialty=filters.get("specialty", ""),
        icd10=filters.get("icd10", ""),
    )
    if filters.get("q") or filters.get("specialty") or filters.get("icd10"):
        record(request, action=AuditAction.SEARCH)
    page = paginate(request, cases)
    context = {"form": form, "page": page, "searched": bool(filters.get("q"))}
    template = "casebank/list.html#results" if request.htmx else "casebank/list.html"
    return render(request, template, context)


@require_GET
@login_required
def case_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    case = selectors.get_case(request.user, public_id)
    record(request, action=AuditAction.VIEW, target=case)
    context = {"case": case, "similar": selectors.similar_cases(case)}
    return render(request, "casebank/detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def mark(request: HttpRequest, request_id: str) -> HttpResponse:
    business = get_request_for_user(request.user, request_id)
    if not selectors.may_mark(request.user, business):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = MarkForm(request.POST)
        if form.is_valid():
            try:
                case = services.mark_difficult_case(
                    business, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                record(request, action=AuditAction.CREATE, target=case)
                messages.success(
                    request, gettext("The consultation is now in the difficult-case database.")
                )
                return redirect("casebank:detail", public_id=case.public_id)
        status = 422
    else:
        form = MarkForm()
    return render(
        request, "casebank/mark.html", {"form": form, "business": business}, status=status
    )


@require_http_methods(["GET", "POST"])
@login_required
def exports(request: HttpRequest) -> HttpResponse:
    _reader(request)
    status = 200
    if request.method == "POST":
        form = ExportRequestForm(request.POST)
        if form.is_valid():
            try:
                services.request_export(requester=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request, gettext("Your export request waits for a manager's approval.")
                )
                return redirect("casebank:exports")
        status = 422
    else:
        form = ExportRequestForm(initial=request.GET.dict())
    page = paginate(request, selectors.exports_for(request.user))
    context = {"form": form, "page": page, "may_decide": request.user.has_role(Role.MANAGER)}
    return render(request, "casebank/exports.html", context, status=status)


@require_POST
@login_required
def decide(request: HttpRequest, public_id: str) -> HttpResponse:
    export = selectors.get_export(request.user, public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose to approve or to reject."))
        return redirect("casebank:exports")
    try:
        services.decide_export(
            export,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, gettext("Decision saved."))
    return redirect("casebank:exports")


@require_GET
@login_required
def download(request: HttpRequest, public_id: str) -> HttpResponse:
    export = selectors.get_export(request.user, public_id)
    services.count_download(export, actor=request.user)
    record(request, action=AuditAction.EXPORT, target=export)
    header = [
        gettext("Case"),
        gettext("Age band"),
        gettext("Sex"),
        gettext("Specialty"),
        gettext("ICD-10 code"),
        gettext("Diagnosis"),
        gettext("Case summary"),
        gettext("Clinical question"),
        gettext("Expert opinion"),
        gettext("Outcome"),
        gettext("Tags"),
    ]
    rows = (
        [
            str(case.public_id),
            case.age_band,
            case.get_sex_display(),
            case.get_specialty_display(),
            case.icd10,
            case.diagnosis,
            case.summary,
            case.question,
            case.opinion,
            case.outcome,
            "、".join(case.tags),
        ]
        for case in selectors.export_cases(export)
    )
    return table_response("csv", f"difficult-cases-{str(export.public_id)[:8]}", header, rows)
