"""Pages of the e-clinic (the expert's day queue, schedules and exceptions) and the ward
round's per-patient writes (the request pages themselves are the engine's). Thin: parse,
call one selector or service, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from yilian.audit.models import AuditAction
from yilian.audit.services import record
from yilian.core.pagination import paginate
from yilian.workflow.forms import attach_errors

from . import selectors, services
from .forms import CommentForm, ExceptionForm, ScheduleForm


def _expert_only(request: HttpRequest) -> None:
    if not selectors.is_clinic_expert(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(gettext("Only experts hold e-clinics."))


@login_required
def day_queue(request: HttpRequest) -> HttpResponse:
    """The expert's booked patients of one day (``?day=YYYY-MM-DD``; today by default)."""
    _expert_only(request)
    today = timezone.localdate()
    try:
        day = date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else today
    except ValueError:
        day = today
    if abs((day - today).days) > 366:  # a year either way; anything else is a typo
        day = today
    visits = selectors.day_queue(request.user, day)  # type: ignore[arg-type]
    record(request, action=AuditAction.LIST)
    return render(
        request,
        "clinics/queue.html",
        {
            "visits": visits,
            "day": day,
            "is_today": day == today,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request: HttpRequest) -> HttpResponse:
    _expert_only(request)
    form = ScheduleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_schedule(expert=request.user, data=form.schedule_data())  # type: ignore[arg-type]
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, gettext("The clinic is published; its slots are bookable."))
            return redirect("clinics:schedules")
    page = paginate(request, selectors.schedules_of(request.user))  # type: ignore[arg-type]
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "clinics/schedules.html",
        {"form": form, "page": page, "exception_form": ExceptionForm()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def exceptions(request: HttpRequest) -> HttpResponse:
    _expert_only(request)
    form = ExceptionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_exception(
                expert=request.user,  # type: ignore[arg-type]
                day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, gettext("No clinic on that date; its slots are removed."))
            return redirect("clinics:exceptions")
    page = paginate(request, selectors.exceptions_of(request.user))  # type: ignore[arg-type]
    status = 422 if request.method == "POST" else 200
    return render(request, "clinics/exceptions.html", {"form": form, "page": page}, status=status)


@login_required
@require_POST
def exception_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    _expert_only(request)
    exception = selectors.get_exception_for_expert(request.user, public_id)  # type: ignore[arg-type]
    services.remove_exception(expert=request.user, exception=exception)  # type: ignore[arg-type]
    messages.success(request, gettext("The clinic is held on that date again."))
    return redirect("clinics:exceptions")


def _row_write(
    request: HttpRequest, public_id: str, write: Callable[..., Any], done: str
) -> HttpResponse:
    row = selectors.get_row_for_user(request.user, public_id)  # type: ignore[arg-type]
    detail_url = reverse("workflow:detail", args=[row.round.request.public_id])
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            write(row, actor=request.user, body=form.cleaned_data["body"], http_request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
    else:
        messages.error(request, gettext("Write something before saving."))
    return redirect(f"{detail_url}#ward-round-rows")


@login_required
@require_POST
def ward_comment(request: HttpRequest, public_id: str) -> HttpResponse:
    return _row_write(
        request, public_id, services.comment_on_row, gettext("Your comment is saved.")
    )


@login_required
@require_POST
def ward_action(request: HttpRequest, public_id: str) -> HttpResponse:
    return _row_write(
        request, public_id, services.record_action, gettext("The action taken is recorded.")
    )
