"""The language of a websocket: what LocaleMiddleware decides for a page, decided for a
connection (the language cookie, then Accept-Language, then the site's default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real


def scope_language(scope: Mapping[str, Any]) -> str:
    cookies = scope.get("cookies") or {}
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    wanted = [cookies.get(settings.LANGUAGE_COOKIE_NAME) or ""]
    wanted += [code for code, _quality in trans_real.parse_accept_lang_header(accept)]
    for code in wanted:
        if not code or code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
