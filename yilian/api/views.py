"""The user's API tokens page: list, create (the token is shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from yilian.workflow.forms import attach_errors

from . import selectors, services
from .forms import TokenForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = raw = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, raw = services.create_token(
                    request.user, **form.cleaned_data, http_request=request
                )
            except ValidationError as exc:
                attach_errors(form, exc)
        if created is None:
            status = 422
        else:
            form = TokenForm()
    context = {
        "tokens": list(selectors.tokens_of(request.user)),
        "form": form,
        "created": created,
        "raw_token": raw,
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    token = selectors.get_token_for_user(request.user, public_id)
    if request.method == "POST":
        services.revoke_token(token, actor=request.user, http_request=request)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("api_tokens:list")
    return render(request, "api/revoke.html", {"token": token})


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """An API path that does not exist answers in the API's error body, not a page."""
    body = {"code": "not_found", "message": _("No such API path."), "fields": {}}
    return JsonResponse({"error": body}, status=404)
