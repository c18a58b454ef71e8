"""Pages of single-disease management. Thin: parse, authorise through a selector, call one
service, render. Pages that show a case (or list cases with their patients) append one
audit entry; searching is a POST so names stay out of URLs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.accounts.models import User
from yilian.audit.models import AuditAction, Outcome
from yilian.audit.services import record
from yilian.core.export import FORMATS, table_response
from yilian.core.pagination import page_of, paginate
from yilian.core.permissions import role_required
from yilian.patients.selectors import patients_to_choose

from . import selectors, services
from .forms import (
    CaseFilterForm,
    CaseForm,
    DischargeCountForm,
    DischargeImportForm,
    FigureFilterForm,
    IndicatorFilterForm,
    RegistryForm,
    SearchForm,
)
from .models import Case, Registry

DESIGNERS = tuple(services.DESIGNER_ROLES)
REPORTERS = tuple(services.REPORTER_ROLES)
FIGURE_ROLES = tuple(selectors.FIGURE_ROLES)
COVERAGE_ROLES = tuple(selectors.FIGURE_ROLES | services.REPORTER_ROLES)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _attach(form: Any, error: ValidationError) -> None:
    """A service's messages beside the fields they name; the rest above the form."""
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            name = form.field_name_for(key) if hasattr(form, "field_name_for") else key
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- the designer (platform administrators) ----------------------------------------------


@role_required(*DESIGNERS)
def designer(request: HttpRequest) -> HttpResponse:
    registries = selectors.registries_of(_user(request))
    return render(request, "registries/designer.html", {"registries": registries})


@role_required(*DESIGNERS)
@require_http_methods(["GET", "POST"])
def registry_edit(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    user = _user(request)
    instance = selectors.get_registry_for_user(user, public_id) if public_id is not None else None
    status = 200
    if request.method == "POST":
        form = RegistryForm(request.POST)
        if form.is_valid():
            data = services.RegistryData(
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                icd_patterns=form.patterns(),
                fields=form.cleaned_data["fields"],
                derived=form.cleaned_data["derived"],
                indicators=form.cleaned_data["indicators"],
                is_active=form.cleaned_data["is_active"],
            )
            try:
                saved = services.save_registry(actor=user, data=data, instance=instance)
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(
                    request, gettext("Registry “%(name)s” saved.") % {"name": saved.name}
                )
                return redirect("registries:designer")
        status = 422
    else:
        form = RegistryForm(initial=RegistryForm.initial_for(instance) if instance else None)
    return render(
        request,
        "registries/registry_form.html",
        {"form": form, "registry": instance},
        status=status,
    )


# --- cases (the hospital's staff) ---------------------------------------------------------


@role_required(*REPORTERS)
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The hospital's cases. Filters are in the URL (none names a patient); a search is
    POSTed, and so are the pages of its results."""
    user = _user(request)
    registries = selectors.registries_of(user)
    filter_form = CaseFilterForm(request.GET or None, registries=registries)
    filters = selectors.CaseFilters()
    if filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = selectors.CaseFilters(
            registry=data.get("registry"), status=data.get("status") or "", month=data.get("month")
        )
    search = SearchForm(request.POST if request.method == "POST" else None)
    query = search.cleaned_data["query"].strip() if search.is_valid() else ""
    cases = selectors.hospital_cases(user, filters, query)
    if request.method == "POST":
        page = page_of(cases, request.POST.get("page"))
    else:
        page = paginate(request, cases)
    record(request, action=AuditAction.SEARCH if query else AuditAction.LIST)
    context = {
        "page": page,
        "filter_form": filter_form,
        "search": search,
        "query": query,
        "registries": [r for r in registries if r.is_active],
    }
    template = "registries/cases.html#results" if request.htmx else "registries/cases.html"
    return render(request, template, context)


def _case_or_404(request: HttpRequest, public_id: str) -> Case:
    """The case if the user may see it; a refused attempt is audited, then 404."""
    try:
        return selectors.get_case_for_user(_user(request), public_id)
    except Http404:
        record(request, action=AuditAction.VIEW, outcome=Outcome.DENIED)
        raise


@role_required(*REPORTERS)
@require_GET
def case_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _case_or_404(request, public_id)
    record(request, action=AuditAction.VIEW, target=case, patient=case.patient)
    context: dict[str, Any] = {
        "case": case,
        "revisions": case.revisions.select_related("actor")[:50],
    }
    if case.registry.definition_problems:
        # Without a valid form the answers are shown as stored, and nothing is changed.
        context |= {"stored_answers": selectors.stored_answers(case), "may_edit": False}
    else:
        context |= {
            "rows": selectors.case_rows(case),
            "derived": selectors.derived_rows(case),
            "outcomes": selectors.case_outcomes(case),
            "may_edit": services.may_edit(_user(request), case),
        }
    return render(request, "registries/case_detail.html", context)


def _definition_invalid(
    request: HttpRequest, registry: Registry, case: Case | None = None
) -> HttpResponse:
    """The case form's page for a registry whose definition is invalid: the notice, no form;
    a POST is answered 409 (the service would refuse it too)."""
    status = 409 if request.method == "POST" else 200
    return render(
        request,
        "registries/case_form.html",
        {"form": None, "registry": registry, "case": case},
        status=status,
    )


def _case_data(form: CaseForm) -> services.CaseData:
    data = form.cleaned_data
    return services.CaseData(
        patient=data.get("patient"),
        diagnosis_code=data.get("diagnosis_code") or "",
        admission_date=data.get("admission_date"),
        discharge_date=data.get("discharge_date"),
        answers=form.answers(),
    )


@role_required(*REPORTERS)
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    chosen = request.GET.get("registry")
    if not chosen:
        registries = [r for r in selectors.registries_of(user) if r.is_active]
        return render(request, "registries/choose_registry.html", {"registries": registries})
    registry = selectors.get_registry_for_user(user, chosen)
    if not registry.is_active:
        raise Http404
    if registry.definition_problems:
        return _definition_invalid(request, registry)
    patients = patients_to_choose(user)
    form = CaseForm(request.POST or None, registry=registry, patients=patients)
    status = 200
    if request.method == "POST":
        submit = "submit" in request.POST
        if form.is_valid():
            try:
                case = services.create_case(
                    actor=user, registry=registry, data=_case_data(form), submit=submit
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                record(request, action=AuditAction.CREATE, target=case, patient=case.patient)
                messages.success(request, _saved_message(case))
                return redirect("registries:case_detail", case.public_id)
        status = 422
    record(request, action=AuditAction.LIST)  # the form lists the hospital's patients
    return render(
        request,
        "registries/case_form.html",
        {"form": form, "registry": registry, "case": None},
        status=status,
    )


def _saved_message(case: Case) -> str:
    if case.is_submitted:
        return gettext("Case %(ref)s submitted.") % {"ref": case.reference}
    return gettext("Case %(ref)s saved as a draft.") % {"ref": case.reference}


@role_required(*REPORTERS)
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    case = _case_or_404(request, public_id)
    if not services.may_edit(user, case):
        raise Http404
    if case.registry.definition_problems:
        record(
            request,
            action=AuditAction.UPDATE if request.method == "POST" else AuditAction.VIEW,
            target=case,
            patient=case.patient,
            outcome=Outcome.FAILED if request.method == "POST" else Outcome.OK,
        )
        return _definition_invalid(request, case.registry, case)
    form = CaseForm(
        request.POST or None, registry=case.registry, patients=patients_to_choose(user), case=case
    )
    status = 200
    if request.method == "POST":
        submit = "submit" in request.POST
        try:
            expected = int(request.POST.get("version", ""))
        except ValueError:
            expected = 0
        if form.is_valid():
            try:
                saved = services.update_case(
                    case,
                    actor=user,
                    data=_case_data(form),
                    expected_version=expected,
                    submit=submit,
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                record(request, action=AuditAction.UPDATE, target=saved, patient=saved.patient)
                messages.success(request, _saved_message(saved))
                return redirect("registries:case_detail", saved.public_id)
        record(
            request,
            action=AuditAction.UPDATE,
            target=case,
            patient=case.patient,
            outcome=Outcome.FAILED,
        )
        status = 422
    else:
        record(request, action=AuditAction.VIEW, target=case, patient=case.patient)
    return render(
        request,
        "registries/case_form.html",
        {"form": form, "registry": case.registry, "case": case},
        status=status,
    )


@role_required(*REPORTERS)
@require_POST
def case_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _case_or_404(request, public_id)
    reference, patient = case.reference, case.patient
    try:
        services.delete_draft(case, actor=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registries:case_detail", case.public_id)
    record(request, action=AuditAction.UPDATE, patient=patient)
    messages.success(request, gettext("Draft %(ref)s deleted.") % {"ref": reference})
    return redirect("registries:cases")


# --- indicator rates ----------------------------------------------------------------------


def _board(
    request: HttpRequest,
) -> tuple[IndicatorFilterForm, Registry | None, selectors.RateBoard | None]:
    """The filters, the chosen registry and its rates (None without a registry, or when the
    registry's definition is invalid and nothing can be computed from it)."""
    user = _user(request)
    form = IndicatorFilterForm(request.GET or None, registries=selectors.registries_of(user))
    registry = form.chosen_registry()
    if registry is None or registry.definition_problems:
        return form, registry, None
    oversight = user.has_role(*selectors.OVERSIGHT_ROLES)
    own = None if oversight else user.hospital
    if own is None and not oversight:
        raise PermissionDenied
    return form, registry, selectors.indicator_rates(registry, form.filters(), own_hospital=own)


def _chart_data(board: selectors.RateBoard) -> dict[str, Any]:
    """What the charts draw (handed to the page as JSON, never as script)."""
    indicators = [
        {
            "code": i.code,
            "name": i.name,
            "target": i.target,
            "alliance": board.alliance[i.code].rate,
            # A hospital sees itself beside the alliance, never other hospitals by name.
            "hospitals": [] if board.own else _chart_hospitals(board, i.code),
            "own": board.own.tallies[i.code].rate if board.own else None,
        }
        for i in board.indicators
    ]
    return {
        "mode": "own" if board.own else "all",
        "indicators": indicators,
        "labels": {
            "alliance": gettext("Alliance"),
            "own": board.own.hospital.name if board.own else "",
            "target": gettext("Target"),
            "rate": gettext("Rate (%)"),
        },
    }


# A benchmarking chart draws at most this many hospitals: the lowest and highest rates.
CHART_HOSPITALS = 40


def _chart_hospitals(board: selectors.RateBoard, code: str) -> list[dict[str, Any]]:
    rated = sorted(
        (
            {"name": r.hospital.name, "rate": r.tallies[code].rate}
            for r in board.hospitals
            if r.tallies[code].rate is not None
        ),
        key=lambda h: (h["rate"], h["name"]),
    )
    if len(rated) <= CHART_HOSPITALS:
        return rated
    half = CHART_HOSPITALS // 2
    return rated[:half] + rated[-half:]


@role_required(*FIGURE_ROLES)
@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    form, registry, board = _board(request)
    context: dict[str, Any] = {"form": form, "board": board, "registry": registry}
    if board is not None:
        codes = [i.code for i in board.indicators]
        rows = [
            {"hospital": r.hospital, "cases": r.cases, "cells": [r.tallies[c] for c in codes]}
            for r in board.hospitals
        ]
        page = page_of(rows, request.GET.get("page"))
        context |= {
            "charts": _chart_data(board),
            "chart_hospitals": CHART_HOSPITALS,
            "chart_half": CHART_HOSPITALS // 2,
            "page": page,
            "table_rows": page.object_list,
            "alliance_cells": [board.alliance[c] for c in codes],
            "own_rows": [
                {
                    "indicator": i,
                    "own": board.own.tallies[i.code],
                    "alliance": board.alliance[i.code],
                }
                for i in board.indicators
            ]
            if board.own
            else [],
        }
    return render(request, "registries/indicators.html", context)


@role_required(*FIGURE_ROLES)
@require_GET
def indicators_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    _form, registry, board = _board(request)
    if registry is not None and board is None:  # the page says why there are no figures
        return redirect(f"{reverse('registries:indicators')}?{request.GET.urlencode()}")
    if board is None:
        raise Http404
    header = [gettext("Hospital"), gettext("Cases")]
    for i in board.indicators:
        header += [
            f"{i.name} · {gettext('numerator')}",
            f"{i.name} · {gettext('denominator')}",
            f"{i.name} · {gettext('rate (%)')}",
            f"{i.name} · {gettext('excluded')}",
            f"{i.name} · {gettext('incomplete')}",
        ]

    def cells(name: str, cases: int, tallies: dict[str, Any]) -> list[Any]:
        row: list[Any] = [name, cases]
        for i in board.indicators:
            t = tallies[i.code]
            row += [
                t.numerator,
                t.denominator,
                "" if t.rate is None else t.rate,
                t.excluded,
                t.incomplete,
            ]
        return row

    people = [board.own] if board.own else board.hospitals
    rows = [cells(r.hospital.name, r.cases, r.tallies) for r in people]
    rows.append(cells(gettext("Alliance"), board.cases, board.alliance))
    return table_response(fmt, f"indicators-{board.registry.code}", header, rows)


# --- coverage -----------------------------------------------------------------------------


def _coverage(request: HttpRequest) -> tuple[FigureFilterForm, list[selectors.CoverageRow]]:
    user = _user(request)
    form = FigureFilterForm(request.GET or None)
    own = None if user.has_role(*selectors.OVERSIGHT_ROLES) else user.hospital
    if own is None and not user.has_role(*selectors.OVERSIGHT_ROLES):
        raise PermissionDenied
    rows = selectors.coverage_rows(selectors.registries_of(user), form.filters(), hospital=own)
    return form, rows


@role_required(*COVERAGE_ROLES)
@require_http_methods(["GET", "POST"])
def coverage(request: HttpRequest) -> HttpResponse:
    """Cases reported against eligible discharges; the hospital enters its discharges."""
    user = _user(request)
    registries = selectors.registries_of(user)
    may_enter = services.may_report(user)
    importing = request.method == "POST" and request.POST.get("form") == "import"
    entry = DischargeCountForm(
        request.POST if request.method == "POST" and not importing else None,
        registries=registries,
    )
    upload = (
        DischargeImportForm(request.POST, request.FILES) if importing else DischargeImportForm()
    )
    status = 200
    if request.method == "POST" and not may_enter:
        raise PermissionDenied
    if importing:
        if upload.is_valid():
            try:
                saved = services.import_discharge_counts(actor=user, rows=upload.rows())
            except ValidationError as exc:
                upload.add_error("file", exc.messages)
            else:
                messages.success(
                    request, gettext("%(n)d discharge counts imported.") % {"n": saved}
                )
                return redirect(request.get_full_path())
        status = 422
    elif request.method == "POST":
        if entry.is_valid():
            try:
                row = services.set_discharge_count(
                    actor=user,
                    registry=entry.cleaned_data["registry"],
                    month=entry.cleaned_data["month"],
                    count=entry.cleaned_data["count"],
                )
            except ValidationError as exc:
                _attach(entry, exc)
            else:
                messages.success(
                    request,
                    gettext("%(registry)s, %(month)s: %(count)d eligible discharges recorded.")
                    % {
                        "registry": row.registry.name,
                        "month": f"{row.month:%Y-%m}",
                        "count": row.count,
                    },
                )
                return redirect(request.get_full_path())
        status = 422
    form, rows = _coverage(request)
    page = page_of(rows, request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "entry": entry if may_enter else None,
        "upload": upload if may_enter else None,
    }
    return render(request, "registries/coverage.html", context, status=status)


@role_required(*COVERAGE_ROLES)
@require_GET
def coverage_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    _form, rows = _coverage(request)
    header = [
        gettext("Month"),
        gettext("Hospital"),
        gettext("Registry"),
        gettext("Eligible discharges"),
        gettext("Cases reported"),
        gettext("Coverage (%)"),
    ]
    table = (
        [
            f"{r.month:%Y-%m}",
            r.hospital.name,
            r.registry.name,
            "" if r.discharges is None else r.discharges,
            r.cases,
            "" if r.coverage is None else r.coverage,
        ]
        for r in rows
    )
    return table_response(fmt, "registry-coverage", header, table)


__all__ = ["Registry"]
