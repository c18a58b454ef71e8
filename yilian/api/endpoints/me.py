"""Who the caller is (what an integration checks first)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from ..errors import errors
from ..schemas import MeOut, ref

router = Router(tags=["me"])


@router.get("/", response={200: MeOut, **errors()}, summary="The calling user")
def me(request: HttpRequest) -> Any:
    user = request.user
    token = getattr(request, "api_token", None)
    return {
        "id": user.public_id,
        "name": user.name,
        "hospital": ref(user.hospital),
        "roles": sorted(user.roles),
        "token_scope": token.scope if token is not None else None,
    }
