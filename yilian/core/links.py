"""One-time links for people without an account (a patient signing consent, answering a
follow-up): a random token in the link, only its hash kept in the database."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LinkGone(Exception):
    """The link was used or has expired (the page answers 410)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "used" or "expired"
