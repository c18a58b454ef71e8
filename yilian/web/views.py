from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from yilian.accounts.roles import PLATFORM_ROLES, Role
from yilian.accounts.selectors import can_review_registrations, pending_registration_count
from yilian.core import health
from yilian.core.health import run_checks
from yilian.core.pagination import paginate
from yilian.core.permissions import role_required
from yilian.imaging import selectors as imaging_selectors
from yilian.imaging import services as imaging_services
from yilian.notify.selectors import notifications_for
from yilian.orgs import selectors as orgs
from yilian.orgs.models import Hospital
from yilian.workflow.selectors import kinds_user_may_apply, queue_counts, queues_for

from . import pwa
from .navigation import business_modules, has_workbench


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, components = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "error", "components": components},
        status=200 if healthy else 503,
    )


@never_cache
@role_required(Role.PLATFORM_ADMIN)
@require_http_methods(["GET", "POST"])
def dependencies(request: HttpRequest) -> HttpResponse:
    """For the platform's operators: each dependency the platform can run without, probed
    now, what stops while it is down, and the studies waiting for Orthanc."""
    if request.method == "POST":
        sent, waiting = imaging_services.send_waiting_studies()
        messages.info(
            request,
            _("%(sent)s study(ies) sent to the image archive, %(waiting)s still waiting.")
            % {"sent": sent, "waiting": waiting},
        )
        return redirect("web:dependencies")
    health.forget()  # this page shows the state now
    return render(
        request,
        "web/dependencies.html",
        {
            "statuses": health.statuses(),
            "waiting_studies": imaging_selectors.studies_waiting_for_archive(),
        },
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The workbench: what this user's roles need to see first."""
    user = request.user
    context = {
        "hospital": user.hospital,
        "roles": [Role(r).label for r in sorted(user.roles)],
        "recent_notifications": notifications_for(user)[:5],
    }
    if can_review_registrations(user):
        context["pending_registrations"] = pending_registration_count(user)
    if user.has_role(*PLATFORM_ROLES):
        context["summary"] = orgs.alliance_summary()
    if has_workbench(user):
        counts = queue_counts(user)
        context["queues"] = [(q, counts.get(q.key, 0)) for q in queues_for(user)]
    return render(request, "web/home.html", context)


@login_required
def services(request: HttpRequest) -> HttpResponse:
    applicable = {k.code for k in kinds_user_may_apply(request.user)}
    return render(
        request,
        "web/services.html",
        {"modules": business_modules(), "applicable": applicable},
    )


@login_required
def hospitals(request: HttpRequest) -> HttpResponse:
    filters = {
        key: request.GET.get(key, "").strip()
        for key in ("query", "province", "tier", "category", "status")
    }
    page = paginate(request, orgs.hospital_directory(request.user, **filters))
    context = {
        "page": page,
        "filters": filters,
        "provinces": orgs.provinces(),
        "tiers": Hospital.Tier.choices,
        "categories": Hospital.Category.choices,
        "statuses": Hospital.Status.choices,
    }
    template = "web/hospitals.html#results" if request.htmx else "web/hospitals.html"
    return render(request, template, context)


@login_required
def hospital_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    profile = orgs.hospital_profile(request.user, public_id)
    return render(request, "web/hospital_detail.html", {"profile": profile})


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(pwa.manifest(get_language()), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    patch_cache_control(response, public=True, max_age=3600)
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from the site's root so it may look after every page."""
    response = render(
        request,
        "web/pwa/sw.js",
        {"config": pwa.service_worker_config()},
        content_type="text/javascript; charset=utf-8",
    )
    patch_cache_control(response, no_cache=True)
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when a page can't be fetched. It shows nobody's
    data: it is stored on the phone."""
    return render(request, "web/pwa/offline.html", {"theme_color": pwa.THEME_COLOR})
