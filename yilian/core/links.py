"""One-time links for people without an account (a patient signing consent, answering a
follow-up): a random token in the link, only its hash kept in the database."""

from __future__ import annotations

import hashlib
import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LinkGone(Exception):
    """The link was used or has expired (the page answers 410)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "used" or "expired"


def gone_response(request: HttpRequest, gone: LinkGone, *, used: str, expired: str) -> HttpResponse:
    """The 410 page of a used or expired link, saying what to do next."""
    context = {"reason": gone.reason, "used_note": used, "expired_note": expired}
    return render(request, "web/link_gone.html", context, status=410)
