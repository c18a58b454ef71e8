"""Creating and revoking personal access tokens (each audited)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.audit import services as audit
from yilian.audit.models import AuditAction

from .models import PersonalAccessToken, Scope
from .tokens import new_token

# The lifetimes a user may choose (days); a token always expires.
LIFETIMES = (7, 30, 90, 365)
# How many usable tokens one person may hold at once.
MAX_TOKENS = 20


def create_token(
    user: User,
    *,
    name: str,
    scope: str,
    days: int,
    http_request: HttpRequest | None = None,
) -> tuple[PersonalAccessToken, str]:
    """Make a token for ``user``; return the row and the token (shown to the user once,
    never stored)."""
    if not user.is_authenticated or not user.can_use_business:
        raise ValidationError(_("Only active accounts may hold API tokens."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the token after what will use it.")})
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose read only or read and write.")})
    if days not in LIFETIMES:
        raise ValidationError({"days": _("Choose one of the offered lifetimes.")})
    with transaction.atomic():
        # Lock the owner's row: two simultaneous creations cannot both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if PersonalAccessToken.objects.usable().filter(user=user).count() >= MAX_TOKENS:
            raise ValidationError(
                _("You already hold %(n)d tokens: revoke one you no longer use first.")
                % {"n": MAX_TOKENS}
            )
        raw, prefix, digest = new_token()
        token = PersonalAccessToken.objects.create(
            user=user,
            name=name[:80],
            prefix=prefix,
            token_hash=digest,
            scope=scope,
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit.record(http_request, action=AuditAction.CREATE, target=token, actor=user)
    return token, raw


def revoke_token(
    token: PersonalAccessToken, *, actor: User, http_request: HttpRequest | None = None
) -> PersonalAccessToken:
    """Revoke ``token`` (its owner only; revoking twice changes nothing)."""
    if token.user_id != actor.pk:
        raise ValidationError(_("Only the owner may revoke a token."))
    with transaction.atomic():
        updated = PersonalAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db(fields=["revoked_at"])
        if updated:
            audit.record(http_request, action=AuditAction.UPDATE, target=token, actor=actor)
    return token
