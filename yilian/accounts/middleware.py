"""Keeps accounts that are not active (pending, rejected, disabled) out of business pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from yilian.core.refusals import client_refusal

# URL names an account that is not (yet) active may still reach.
OPEN_TO_INACTIVE = frozenset(
    {
        "accounts:status",
        "accounts:logout",
        "accounts:password_change",
        "accounts:password_change_done",
        "set_language",
        "healthz",
        # A patient's one-time signing link: the token is the authorisation, no account.
        "patients:consent_sign",
        # A patient's one-time link to answer a follow-up questionnaire.
        "followups:answer",
    }
)


class ActiveAccountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.can_use_business and not self._is_open(request):
            refusal = client_refusal(
                request, status=403, code="account_not_active", message="The account is not active."
            )
            if refusal is not None:
                return refusal
            return redirect("accounts:status")
        return self.get_response(request)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        if request.path.startswith("/static/"):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in OPEN_TO_INACTIVE
