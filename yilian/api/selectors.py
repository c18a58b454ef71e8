from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from yilian.accounts.models import User

from .models import PersonalAccessToken


def tokens_of(user: User) -> QuerySet[PersonalAccessToken]:
    """The user's tokens, newest first (revoked and expired ones too: the page shows them)."""
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at", "-id")


def get_token_for_user(user: User, public_id: UUID | str) -> PersonalAccessToken:
    try:
        return tokens_of(user).get(public_id=public_id)
    except (PersonalAccessToken.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
