"""``/livez``: the process is up and serving — answered by the ASGI router itself, before
Django, so it costs no database, cache or middleware. Load balancers use it to tell a live
worker from a dead one; ``/healthz`` (Django) says whether the components behind it work.
The benchmark uses it as the floor of an HTTP answer from this server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LIVENESS_PATH = "/livez"


async def _answer(scope: Scope, send: Send) -> None:
    allowed = scope.get("method") in ("GET", "HEAD")
    body = b"ok\n" if allowed else b""
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"content-length", str(len(body)).encode()),
    ]
    if not allowed:
        headers.append((b"allow", b"GET, HEAD"))
    await send(
        {"type": "http.response.start", "status": 200 if allowed else 405, "headers": headers}
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def with_liveness(app: ASGIApp) -> ASGIApp:
    """``app``, with ``/livez`` answered before it is reached."""

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == LIVENESS_PATH:
            await _answer(scope, send)
            return
        await app(scope, receive, send)

    return application
