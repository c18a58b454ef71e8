from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yilian.core.pagination import paginate

from . import selectors, services
from .forms import PreferenceForm


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, selectors.notifications_for(request.user, unread_only=unread_only))
    return render(request, "notify/list.html", {"page": page, "unread_only": unread_only})


@require_POST
@login_required
def open_notification(request: HttpRequest, public_id: str) -> HttpResponse:
    notification = selectors.get_notification_for_user(request.user, public_id)
    services.mark_read(request.user, notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notify:list")


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("notify:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    # Unticking every box posts no field at all: bind on the method, not on the data.
    data = request.POST if request.method == "POST" else None
    form = PreferenceForm(data, instance=selectors.preferences_for(request.user))
    if form.is_bound and form.is_valid():
        services.update_preferences(request.user, **form.cleaned_data)
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("notify:preferences")
    return render(request, "notify/preferences.html", {"form": form})
