from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import ical, selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Make, replace or revoke the address of one's calendar feed. A new address is shown
    once, on the answer to the POST that made it: only its hash is kept."""
    user = request.user
    if not selectors.may_subscribe(user):
        raise PermissionDenied
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if services.revoke_feed(user):
                messages.success(request, _("The calendar address was revoked."))
            return redirect("agenda:settings")
        token = services.issue_feed(user)
        feed_url = request.build_absolute_uri(reverse("agenda:feed", args=[token]))
    context = {
        "feed": selectors.feed_of(user),
        "feed_url": feed_url,
        "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://"),
        "upcoming": selectors.entries_for(user)[:10],
    }
    return render(request, "agenda/settings.html", context)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar document a phone's calendar subscribes to (no login: the address is the
    secret)."""
    calendar_feed = selectors.feed_for_token(token)
    if calendar_feed is None:
        raise Http404
    user = calendar_feed.user
    body = ical.render(
        selectors.entries_for(user),
        name=_("Yilian · %(name)s") % {"name": user.name},
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    services.mark_fetched(calendar_feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="yilian.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
