"""The application-effect dashboard page and its exports."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from yilian.accounts.models import User
from yilian.core.export import FORMATS, table_response
from yilian.core.pagination import paginate
from yilian.core.permissions import role_required
from yilian.orgs.selectors import get_hospital_for_user

from . import selectors
from .forms import DashboardFilterForm, ResourceFilterForm


def _dashboard(request: HttpRequest) -> tuple[DashboardFilterForm, selectors.Dashboard]:
    user: User = request.user  # type: ignore[assignment]
    scope = selectors.dashboard_scope(user)
    form = DashboardFilterForm(request.GET or None, scoped=scope is not None)
    return form, selectors.dashboard_for_page(form.filters(), scope_hospital=scope)


@require_GET
@role_required(*selectors.DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, board = _dashboard(request)
    context = {"form": form, "board": board, "charts": _chart_data(board)}
    return render(request, "analytics/dashboard.html", context)


def _chart_data(board: selectors.Dashboard) -> dict[str, Any]:
    """What the charts draw (handed to the page as JSON, not as script)."""
    return {
        "months": [m.month.strftime("%Y-%m") for m in board.months],
        "series": [
            {
                "key": v.figure.key,
                "label": str(v.figure.label),
                "current": [m.values[v.figure.key] for m in board.months],
                "previous": [m.values[v.figure.key] for m in board.previous_months],
            }
            for v in board.values
        ],
        "labels": {"current": gettext("This period"), "previous": gettext("A year earlier")},
    }


@require_GET
@role_required(*selectors.DASHBOARD_ROLES)
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The dashboard's figures and monthly trend as CSV or Excel."""
    if fmt not in FORMATS:
        raise PermissionDenied
    _form, board = _dashboard(request)
    labels = [str(v.figure.label) for v in board.values]
    header = [gettext("Month"), *labels]
    rows: list[list[Any]] = [
        [m.month.strftime("%Y-%m"), *(m.values[v.figure.key] for v in board.values)]
        for m in board.months
    ]
    rows.append([gettext("Total"), *(v.current for v in board.values)])
    rows.append([gettext("A year earlier"), *(v.previous for v in board.values)])
    rows.append(
        [
            gettext("Year-on-year growth (%)"),
            *("" if v.growth is None else v.growth for v in board.values),
        ]
    )
    return table_response(fmt, "application-effect", header, rows)


# --- the health-resource database -------------------------------------------------------


def _resources(request: HttpRequest) -> tuple[ResourceFilterForm, Any]:
    form = ResourceFilterForm(request.GET or None)
    return form, selectors.resource_profiles(request.user, **form.filters())


@require_GET
@role_required(*selectors.DASHBOARD_ROLES)
def resources(request: HttpRequest) -> HttpResponse:
    form, hospitals = _resources(request)
    context = {"form": form, "page": paginate(request, hospitals)}
    template = "analytics/resources.html#results" if request.htmx else "analytics/resources.html"
    return render(request, template, context)


@require_GET
@role_required(*selectors.DASHBOARD_ROLES)
def resource_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    hospital = get_hospital_for_user(request.user, public_id)
    profile = selectors.resource_profile(request.user, hospital)
    return render(request, "analytics/resource_detail.html", {"profile": profile})


@require_GET
@role_required(*selectors.DASHBOARD_ROLES)
def resources_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise PermissionDenied
    _form, hospitals = _resources(request)
    header = [
        gettext("Hospital"),
        gettext("Province"),
        gettext("Tier"),
        gettext("Category"),
        gettext("Beds"),
        gettext("Departments"),
        gettext("Staff"),
        gettext("Chief and associate chief physicians"),
        gettext("Business interactions this year"),
        gettext("Completed businesses this year"),
    ]
    rows = (
        [
            h.name,
            h.division.name if h.division else "",
            h.get_tier_display(),
            h.get_category_display(),
            "" if h.beds is None else h.beds,
            h.department_count,
            h.staff_count,
            h.senior_count,
            h.volume,
            h.cases,
        ]
        for h in hospitals.iterator(chunk_size=500)
    )
    return table_response(fmt, "health-resources", header, rows)
