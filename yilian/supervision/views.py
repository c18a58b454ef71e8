"""Pages of supervision: the managers' board with its drill-down, the feedback channel,
and the cloud rooms of room administrators. Thin: selectors read, services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.pagination import paginate
from yilian.core.permissions import role_required
from yilian.workflow.forms import attach_errors

from . import selectors, services
from .forms import AnswerForm, RatingForm, TicketForm, TriageForm
from .models import Ticket

BOARD_ROLES = (Role.MANAGER, Role.PLATFORM_ADMIN)


@role_required(*BOARD_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    filters = selectors.parse_filters(request.GET)
    context = {
        "board": selectors.board(filters),
        "filters": filters,
        "choices": selectors.filter_choices(),
        "query": request.GET.urlencode(),
    }
    return render(request, "supervision/board.html", context)


@role_required(*BOARD_ROLES)
def board_requests(request: HttpRequest) -> HttpResponse:
    """The requests behind a figure of the board (same filters, plus the figure's own)."""
    filters = selectors.parse_filters(request.GET)
    g = request.GET
    qs = selectors.drill_down(
        filters,
        status=g.get("status", ""),
        overdue=g.get("overdue") == "1",
        hospital=g.get("of_hospital", ""),
        team=g.get("of_team", ""),
        returned=g.get("returned") == "1",
        declined=g.get("declined") == "1",
    )
    page = paginate(request, qs)
    return render(request, "supervision/board_requests.html", {"page": page})


# --- feedback --------------------------------------------------------------------------


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Ticket.Status.values else ""
    query = request.GET.get("query", "").strip()
    page = paginate(request, selectors.tickets_for(request.user, status=status, query=query))
    context = {
        "page": page,
        "status": status,
        "query": query,
        "statuses": Ticket.Status.choices,
        "handler": services.is_handler(request.user),
    }
    return render(request, "supervision/tickets.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    if not request.user.can_use_business:
        raise Http404
    initial = {key: request.GET[key] for key in ("about", "request", "room") if key in request.GET}
    form = TicketForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                created = services.raise_ticket(
                    author=request.user,
                    category=d["category"],
                    about=d["about"],
                    title=d["title"],
                    body=d["body"],
                    request=d["request_obj"],
                    room=d["room_obj"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Thank you. The platform management team will answer."))
                return redirect("supervision:ticket", created.public_id)
        return render(request, "supervision/ticket_new.html", {"form": form}, status=422)
    return render(request, "supervision/ticket_new.html", {"form": form})


def _ticket_page(
    request: HttpRequest, found: Ticket, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    handler = services.is_handler(request.user)
    context: dict[str, Any] = {
        "ticket": found,
        "handler": handler,
        "triage_form": TriageForm(initial={"priority": found.priority}),
        "answer_form": AnswerForm(initial={"answer": found.answer}),
        "rating_form": RatingForm(),
        "may_rate": found.author_id == request.user.pk
        and found.status in (Ticket.Status.ANSWERED, Ticket.Status.RESOLVED)
        and found.rated_at is None,
    }
    context.update(forms or {})
    return render(request, "supervision/ticket.html", context, status=status)


@login_required
def ticket(request: HttpRequest, public_id: str) -> HttpResponse:
    return _ticket_page(request, selectors.get_ticket_for_user(request.user, public_id))


@require_POST
@login_required
def ticket_act(request: HttpRequest, public_id: str, step: str) -> HttpResponse:
    found = selectors.get_ticket_for_user(request.user, public_id)
    forms: dict[str, Any] = {}
    try:
        if step == "triage":
            form = forms["triage_form"] = TriageForm(request.POST)
            if form.is_valid():
                services.triage_ticket(
                    found, actor=request.user, priority=form.cleaned_data["priority"]
                )
        elif step == "answer":
            form = forms["answer_form"] = AnswerForm(request.POST)
            if form.is_valid():
                services.answer_ticket(
                    found, actor=request.user, answer=form.cleaned_data["answer"]
                )
        elif step == "resolve":
            form = None
            services.resolve_ticket(found, actor=request.user)
        elif step == "rate":
            form = forms["rating_form"] = RatingForm(request.POST)
            if form.is_valid():
                services.rate_ticket(
                    found,
                    actor=request.user,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
        else:
            raise Http404
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
            return redirect("supervision:ticket", found.public_id)
        attach_errors(form, exc)
    if form is not None and form.errors:
        return _ticket_page(request, found, forms, status=422)
    messages.success(request, _("Saved."))
    return redirect("supervision:ticket", found.public_id)


# --- cloud rooms -----------------------------------------------------------------------


@role_required(Role.PLATFORM_ADMIN)
def room_admins(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("query", "").strip()
    page = paginate(request, selectors.rooms_for_assignment(query))
    return render(request, "supervision/room_admins.html", {"page": page, "query": query})


@role_required(Role.PLATFORM_ADMIN)
@require_http_methods(["GET", "POST"])
def room_admin_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    room = selectors.get_room(public_id)
    if request.method == "POST":
        person = (
            User.objects.filter(public_id=request.POST.get("user") or None).first()
            if _uuid(request.POST.get("user"))
            else None
        )
        if person is None:
            phone = request.POST.get("phone", "").strip()
            person = User.objects.active().filter(phone=phone).first() if phone else None
        if person is None:
            messages.error(request, _("No active account with that mobile number."))
        else:
            try:
                services.set_room_administrator(
                    room, person, actor=request.user, assigned=request.POST.get("assign") == "1"
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Administrators of %(room)s saved.") % {"room": room})
        return redirect("supervision:room_admin_edit", room.public_id)
    return render(
        request,
        "supervision/room_admin_edit.html",
        {"room": room, "admins": list(room.administrators.all())},
    )


def _uuid(raw: str | None) -> bool:
    from uuid import UUID

    try:
        UUID(raw or "")
    except ValueError:
        return False
    return True
