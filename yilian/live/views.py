"""Pages of live events: the list, an event (player, countdown or replay, with its Q&A),
the organisers' pages (edit, stream key, consent, viewers and watch time), the HLS files
behind the audience rule, the player's heartbeat, and nginx-rtmp's callback."""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.core import health
from yilian.core.export import FORMATS, table_response
from yilian.core.pagination import paginate
from yilian.workflow.forms import attach_errors

from . import selectors, services
from .forms import EventForm
from .models import EventKind, LiveEvent
from .policies import is_organiser, may_chat, may_create

logger = logging.getLogger(__name__)

HLS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}\.(m3u8|ts)$")
HLS_TYPES = {"m3u8": "application/vnd.apple.mpegurl", "ts": "video/mp2t"}


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    when = request.GET.get("when", "")
    if when not in selectors.WHEN:
        when = ""
    events = selectors.events_for(request.user, query=query, kind=kind, when=when)
    return render(
        request,
        "live/events.html",
        {
            "page": paginate(request, events),
            "query": query,
            "kind": kind,
            "when": when,
            "kinds": EventKind.choices,
            "may_create": may_create(request.user),
        },
    )


def _watchable(request: HttpRequest, public_id: UUID) -> LiveEvent | HttpResponse:
    """The event, or the sign-in page for an anonymous visitor outside its audience (the
    same answer whether or not it exists)."""
    try:
        return selectors.get_event_to_watch(request.user, public_id)
    except Http404:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise


def _chat_config(request: HttpRequest, event: LiveEvent) -> dict[str, Any] | None:
    if event.is_ended or not may_chat(request.user, event):
        return None
    session = services.chat_session_of(event)
    return {
        "ws": f"/ws/rooms/{session.public_id}/",
        "history": f"/rooms/{session.public_id}/messages/",
        "upload": "",
        "session": str(session.public_id),
        "me": str(request.user.public_id),
        "name": request.user.name,
        "backend": "none",
        "janus": None,
    }


@require_GET
def event_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    found = _watchable(request, public_id)
    if isinstance(found, HttpResponse):
        return found
    event = found
    organiser = is_organiser(request.user, event)
    chat = _chat_config(request, event)
    return render(
        request,
        "live/event.html",
        {
            "event": event,
            "organiser": organiser,
            "chat": chat,
            "unavailable": _unavailable(event, "live_stream", chat=chat is not None),
            "hls_url": f"/live/hls/{event.playback_id}/index.m3u8" if event.is_live else "",
            "heartbeat_seconds": services.HEARTBEAT_SECONDS,
            "watched_minutes": round(selectors.my_watch_seconds(event, request.user) / 60),
        },
    )


def _unavailable(
    event: LiveEvent, stream_feature: str, *, chat: bool = False
) -> list[health.Notice]:
    """What the page says is down: the stream server (until the event has ended) and the
    Q&A's live updates."""
    features = [] if event.is_ended else [stream_feature]
    if chat:
        features.append("live_updates")
    return health.unavailable(*features)


def _organisers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, public_id: UUID, *args: Any, **kwargs: Any) -> HttpResponse:
        event = selectors.get_event_to_organise(request.user, public_id)
        return view(request, event, *args, **kwargs)

    return wrapped


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    if not may_create(request.user):
        raise PermissionDenied(_("Only platform managers may create live events."))
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(form.data_for_service(), actor=request.user)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The event is scheduled."))
            return redirect("live:manage", public_id=event.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "live/event_form.html", {"form": form, "event": None}, status=status)


@_organisers
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event: LiveEvent) -> HttpResponse:
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(event, form.data_for_service(), actor=request.user)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("live:manage", public_id=event.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "live/event_form.html", {"form": form, "event": event}, status=status)


@_organisers
@require_GET
def manage(request: HttpRequest, event: LiveEvent) -> HttpResponse:
    """The organisers' page: encoder settings, consent, status, viewers and watch time."""
    rows = selectors.watch_rows(event)
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return table_response(
            fmt,
            f"watch-time-{str(event.public_id)[:8]}",
            [_("Name"), _("Hospital"), _("Minutes watched"), _("First seen"), _("Last seen")],
            (
                [
                    r.user.name,
                    r.user.hospital.name if r.user.hospital else "",
                    r.minutes,
                    r.first_seen_at.isoformat(),
                    r.last_heartbeat_at.isoformat(),
                ]
                for r in rows
            ),
        )
    start, end = services.publish_window(event)
    return render(
        request,
        "live/manage.html",
        {
            "event": event,
            "rows": paginate(request, rows),
            "unavailable": _unavailable(event, "live_ingest"),
            "ingest_url": settings.YILIAN_LIVE_RTMP_URL,
            "window_start": start,
            "window_end": end,
            "needs_consent": event.is_surgery and not event.patient_consent,
        },
    )


@_organisers
@require_POST
def regenerate(request: HttpRequest, event: LiveEvent) -> HttpResponse:
    try:
        services.regenerate_key(event, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A new stream key was made; the old one no longer works."))
    return redirect("live:manage", public_id=event.public_id)


@_organisers
@require_POST
def consent(request: HttpRequest, event: LiveEvent) -> HttpResponse:
    given = request.POST.get("given") == "1"
    try:
        services.set_consent(event, actor=request.user, given=given)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The patient's consent is recorded.") if given else _("The consent was withdrawn."),
        )
    return redirect("live:manage", public_id=event.public_id)


@require_GET
def hls(request: HttpRequest, playback_id: str, name: str) -> HttpResponse:
    """A playlist or segment of a live event, for its audience only. Behind nginx the file
    is handed to an internal location (``YILIAN_LIVE_HLS_ACCEL_PREFIX``)."""
    if not HLS_NAME.match(name):
        raise Http404
    event = selectors.get_event_by_playback(request.user, playback_id)
    content_type = HLS_TYPES[name.rsplit(".", 1)[1]]
    relative = f"{event.published_key}/{name}"
    if settings.YILIAN_LIVE_HLS_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.YILIAN_LIVE_HLS_ACCEL_PREFIX + relative
    else:
        path = Path(settings.YILIAN_LIVE_HLS_DIR) / relative
        try:
            response = FileResponse(path.open("rb"), content_type=content_type)
        except OSError:
            raise Http404 from None
    response["Cache-Control"] = "private, no-cache" if name.endswith(".m3u8") else "private"
    return response


@require_POST
@login_required
def heartbeat(request: HttpRequest, public_id: UUID) -> HttpResponse:
    event = selectors.get_event_to_watch(request.user, public_id)
    credited = services.credit_watch_time(event, request.user)
    return JsonResponse(
        {"credited": credited, "seconds": selectors.my_watch_seconds(event, request.user)}
    )


def _callback_allowed(request: HttpRequest, secret: str) -> bool:
    expected = settings.YILIAN_LIVE_CALLBACK_SECRET
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        return False
    return request.META.get("REMOTE_ADDR", "") in settings.YILIAN_LIVE_CALLBACK_ADDRESSES


@csrf_exempt
@require_POST
def rtmp_callback(request: HttpRequest, secret: str) -> HttpResponse:
    """nginx-rtmp's ``on_publish`` / ``on_publish_done`` / ``on_record_done`` (a form POST
    with ``call`` and ``name`` = the stream key). A 2xx answer to ``publish`` lets the
    encoder stream; anything else refuses it."""
    if not _callback_allowed(request, secret):
        return HttpResponseForbidden()
    call, name = request.POST.get("call", ""), request.POST.get("name", "")
    if call == "publish":
        try:
            event = services.start_publish(name)
        except services.PublishRefused as exc:
            logger.info("live: a stream was refused: %s", exc)
            return HttpResponseForbidden()
        logger.info("live: event %s is live", event.public_id)
    elif call == "publish_done":
        services.end_publish(name)
    elif call == "record_done":
        services.recording_done(name, request.POST.get("path", ""))
    else:
        return HttpResponseBadRequest()
    return HttpResponse("ok", content_type="text/plain")
