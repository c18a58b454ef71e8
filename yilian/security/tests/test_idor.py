"""Another hospital's object is a 404, whichever URL names it: for every URL pattern and
websocket route taking an object id, hospital B's person most likely to see the object
asks for hospital A's one — by GET and by a write — and gets 404 (never 403, 200 or 500),
nothing changes, and where refusals are audited the refusal is in the trail. A URL that
names an object and is neither probed nor exempted (with a reason) fails the suite."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.apps import apps
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


def _ask(client: Client, method: str, url: str, body: str) -> int:
    """The status of one request; a write carries a plausible body, so that input checks
    made before the lookup do not answer in its place."""
    if method == "get":
        return client.get(url).status_code
    if method == "put":
        return client.generic("PUT", url, b"x", content_type="application/octet-stream").status_code
    if body == "json":
        return client.post(url, {"note": "x"}, content_type="application/json").status_code
    if body == "file":
        upload = SimpleUploadedFile("case.pdf", PDF, "application/pdf")
        return client.post(url, {"file": upload}).status_code
    return client.post(url, _FORM).status_code


def _socket_refused(user, url: str) -> bool:
    from yilian.asgi import application

    async def attempt() -> bool:
        communicator = WebsocketCommunicator(application, url)
        communicator.scope["user"] = user
        connected, _code = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return not connected

    return async_to_sync(attempt)()


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_another_hospitals_object_is_404(probe: Probe, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    world = World()
    kwargs = probe.kwargs(world)
    target = probe.touches(world) if probe.touches else None
    who = getattr(world, probe.who)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(who)
    before = _state(target)

    if probe.name.startswith("ws:"):
        route = probe.name.removeprefix("ws:")
        url = "/" + route.replace("<uuid:session_id>", str(kwargs["session_id"]))
        assert _socket_refused(who, url), url
        assert _state(target) == before
        return

    url = reverse(probe.name, kwargs=kwargs)
    answers = {method: _ask(client, method, url, probe.body) for method in probe.methods}
    assert 404 in answers.values(), answers
    assert set(answers.values()) <= {404, 405}, answers
    after = _state(target)
    assert after[0] == before[0], "a refused request changed the object"
    assert after[1] == before[1], f"a refused request added or removed rows: {after[1] - before[1]}"
    if probe.audited:
        assert AuditEntry.objects.filter(
            actor=who, outcome=Outcome.DENIED, path=url.split("?")[0]
        ).exists()
