"""Another hospital's object is a 404, whichever URL names it: for every URL pattern and
websocket route taking an object id, hospital B's person most likely to see the object
asks for hospital A's one — by GET and by a write — and gets 404 (never 403, 200 or 500),
nothing changes, and where refusals are audited the refusal is in the trail. A URL that
names an object and is neither probed nor exempted (with a reason) fails the suite."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from yilian.audit.models import AuditEntry, Outcome

from .idor import EXEMPT, PDF, PROBES, Probe, World, object_routes

# Rows any request may add (the access and activity logs, sessions) are not "changes".
_LOGS = {"audit.auditentry", "analytics.activityevent", "sessions.session"}


def _exempt(name: str) -> str | None:
    for key, reason in EXEMPT.items():
        if name == key or (key.endswith(":") and name.startswith(key)):
            return reason
    return None


def test_every_url_naming_an_object_is_probed_or_exempt():
    routes = object_routes()
    probed = {p.name for p in PROBES}
    missing = sorted(r.name for r in routes if r.name not in probed and _exempt(r.name) is None)
    assert not missing, f"URL patterns naming an object with no cross-hospital probe: {missing}"


def test_the_registry_names_only_urls_that_exist():
    names = {r.name for r in object_routes()}
    assert not sorted({p.name for p in PROBES} - names)
    assert not sorted(k for k in EXEMPT if not k.endswith(":") and k not in names)
    assert not sorted({p.name for p in PROBES} & {k for k in EXEMPT if _exempt(k)})
    assert all(reason.strip() for reason in EXEMPT.values())


def test_the_admin_site_holds_no_hospital_data():
    """The admin site is exempted as a whole: it must keep registering only models with no
    hospital, patient or business data."""
    allowed = {"auth", "otp_totp", "otp_static", "axes", "django_tasks_database"}
    assert {model._meta.app_label for model in admin.site._registry} <= allowed


def _state(obj: models.Model | None) -> tuple[Any, Counter]:
    rows = Counter(
        {
            m._meta.label_lower: m._default_manager.count()
            for m in apps.get_models()
            if m._meta.label_lower not in _LOGS and not m._meta.proxy
        }
    )
    if obj is None:
        return None, rows
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}, rows


_FORM = {"note": "x", "body": "x", "comment": "x", "reason": "x", "answer": "x", "rating": 5}


def _ask(client: Client, method: str, url: str, body: str, payload: dict | None) -> int:
    """The status of one request; a write carries a plausible body, so that input checks
    made before the lookup do not answer in its place."""
    if method == "get":
        return client.get(url).status_code
    if method == "put":
        return client.generic("PUT", url, b"x", content_type="application/octet-stream").status_code
    if body == "json":
        data = payload if payload is not None else {"note": "x"}
        return client.post(url, data, content_type="application/json").status_code
    if body == "file":
        upload = SimpleUploadedFile("case.pdf", PDF, "application/pdf")
        return client.post(url, {"file": upload}).status_code
    return client.post(url, payload if payload is not None else _FORM).status_code


def _session_cookie(user) -> bytes:
    login = Client()
    login.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={login.cookies[name].value}".encode()


def _socket_close_code(cookie: bytes, path: str) -> int | None:
    """Open ``path`` through the real ASGI stack (origin check, session cookie, auth) with
    a signed-in ``cookie``: None if the socket was accepted, else the close code."""
    from yilian.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"cookie", cookie)]

    async def attempt() -> int | None:
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect(timeout=5)
        if connected:
            await communicator.disconnect()
            return None
        return code

    return async_to_sync(attempt)()


HTTP = [p for p in PROBES if not p.name.startswith("ws:")]
SOCKETS = [p for p in PROBES if p.name.startswith("ws:")]


@pytest.mark.django_db
@pytest.mark.parametrize("probe", HTTP, ids=[p.id for p in HTTP])
def test_another_hospitals_object_is_404(probe: Probe, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    world = World()
    kwargs = probe.kwargs(world)
    target = probe.touches(world) if probe.touches else None
    who = getattr(world, probe.who)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(who)
    before = _state(target)

    url = reverse(probe.name, kwargs=kwargs)
    payload = probe.payload(world) if probe.payload else None
    answers = {method: _ask(client, method, url, probe.body, payload) for method in probe.methods}
    assert 404 in answers.values(), answers
    assert set(answers.values()) <= {404, 405}, answers
    after = _state(target)
    assert after[0] == before[0], "a refused request changed the object"
    assert after[1] == before[1], f"a refused request added or removed rows: {after[1] - before[1]}"
    # The control: hospital A's own person reaches the same URL (so the 404 above is the
    # scoping's, not a wrong address).
    client.force_login(getattr(world, probe.reached_by))
    reached = {m: _ask(client, m, url, probe.body, payload) for m in probe.methods}
    if probe.reached is None:
        assert set(reached.values()) - {404, 405}, f"{probe.reached_by} cannot reach it: {reached}"
    else:
        assert reached == probe.reached, f"{probe.reached_by} is not served the page: {reached}"
    if probe.done:
        assert probe.done(world), f"{probe.reached_by}'s request did not do its work"
    if probe.audited:
        assert AuditEntry.objects.filter(
            actor=who, outcome=Outcome.DENIED, path=url.split("?")[0]
        ).exists()


# The consumer reads the database from another thread: the test's rows must be committed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("probe", SOCKETS, ids=[p.id for p in SOCKETS])
def test_another_hospitals_room_socket_is_refused_as_not_found(probe: Probe, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    world = World()
    route = probe.name.removeprefix("ws:")
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(probe.kwargs(world)[m[1]]), route)
    target = probe.touches(world) if probe.touches else None
    outsider, insider = _session_cookie(getattr(world, probe.who)), _session_cookie(world.expert)
    before = _state(target)
    assert _socket_close_code(outsider, path) == 4404  # the socket's "not found"
    assert _state(target) == before
    assert _socket_close_code(insider, path) is None  # the session's own expert gets in
