"""Cloud-room pages: enter a business session's room, the room page, chat history by
cursor and files shared in the chat (JSON for the room script)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.audit import services as audit
from yilian.audit.models import AuditAction
from yilian.core import health
from yilian.core.pagination import paginate
from yilian.workflow import selectors as workflow_selectors

from . import media, selectors, services
from .forms import StartSessionForm

logger = logging.getLogger(__name__)


def _audit(request: HttpRequest, session, action: str = AuditAction.VIEW) -> None:
    """Chat and video of a business session are about its patients: one entry per patient."""
    if session.request_id is None:
        return
    for patient in workflow_selectors.patients_of(session.request):
        audit.record(request, action=action, target=session.request, patient=patient)


@login_required
@require_http_methods(["GET", "POST"])
def rooms(request: HttpRequest) -> HttpResponse:
    """The sessions the user takes part in; room administrators start standing sessions."""
    user = request.user
    may_start = selectors.rooms_administered_by(user).exists()
    form = StartSessionForm(request.POST or None, user=user) if may_start else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                session = services.open_room_session(
                    form.cleaned_data["room"],
                    actor=user,
                    title=form.cleaned_data["title"],
                    people=list(form.cleaned_data["people"]),
                )
            except (PermissionDenied, ValidationError) as exc:
                form.add_error(None, exc)
            else:
                return redirect("realtime:room", public_id=session.public_id)
        status = 422
    business = selectors.business_sessions_for(user)
    return render(
        request,
        "realtime/rooms.html",
        {
            "business": paginate(request, business),
            "standing": selectors.standing_sessions_for(user)[:50],
            "administered": selectors.rooms_of_admin(user),
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def enter_request_room(request: HttpRequest, public_id: str) -> HttpResponse:
    """From a request page, the workbench or a notice: the session's room (made once)."""
    business_request = workflow_selectors.get_request_for_user(request.user, public_id)
    try:
        session = services.open_request_session(business_request, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect("realtime:room", public_id=session.public_id)


@login_required
@require_GET
def room(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.get_session_to_enter(request.user, public_id)
    _audit(request, session)
    unavailable = health.unavailable("live_updates")
    backend, janus = settings.YILIAN_VIDEO_BACKEND, None
    if backend == "janus":
        if health.available("video_relay"):
            capacity = session.room.capacity if session.room_id else 30  # type: ignore[union-attr]
            try:
                media.ensure_janus_room(session, [request.user], capacity)
                janus = {
                    "url": settings.YILIAN_JANUS_PUBLIC_URL,
                    "room": session.janus_room,
                    "token": media.participant_token(session, request.user),
                }
            except media.JanusError:
                logger.warning("Janus unavailable for a room page", exc_info=True)
        if janus is None:
            # Without the video server the room still has video: the direct mesh.
            backend = "p2p"
            unavailable.append(health.notice("video_relay"))
    config = {
        "ws": f"/ws/rooms/{session.public_id}/",
        "history": f"/rooms/{session.public_id}/messages/",
        "upload": f"/rooms/{session.public_id}/files/",
        "session": str(session.public_id),
        "me": str(request.user.public_id),
        "name": request.user.name,
        "backend": backend,
        "janus": janus,
    }
    return render(
        request,
        "realtime/room.html",
        {
            "session": session,
            "config": config,
            "unavailable": unavailable,
            "is_admin": selectors.is_room_admin(request.user, session),
        },
    )


def _cursor(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationError("bad cursor") from exc
    if number < 0:
        raise ValidationError("bad cursor")
    return number


@login_required
@require_GET
def messages(request: HttpRequest, public_id: str) -> HttpResponse:
    """``?after=N``: everything after N (gap filling); ``?before=N``: one older page."""
    session = selectors.get_session_history_for_user(request.user, public_id)
    try:
        after, before = _cursor(request.GET.get("after")), _cursor(request.GET.get("before"))
    except ValidationError:
        return JsonResponse({"error": _("The cursor must be a whole number.")}, status=400)
    more = False
    if after is not None:
        items, more = selectors.messages_after(session, after)
    else:
        items = selectors.messages_before(session, before)
    _audit(request, session)
    return JsonResponse(
        {
            "items": [selectors.message_json(m) for m in items],
            "older": bool(items) and items[0].seq > 1,
            "more": more,
        }
    )


@login_required
@require_POST
def upload(request: HttpRequest, public_id: str) -> HttpResponse:
    session = selectors.get_session_to_enter(request.user, public_id)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        return JsonResponse({"error": str(_("Choose a file."))}, status=422)
    try:
        message, _created = services.post_file(
            session, sender=request.user, client_id=request.POST.get("id", ""), upload=upload_file
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=422)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc) or _("You may not add files here.")}, status=403)
    _audit(request, session, AuditAction.UPLOAD)
    return JsonResponse({"message": selectors.message_json(message)})
