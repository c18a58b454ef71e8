"""/livez: answered by the ASGI router before Django (no database, no middleware).

Each test is sync and runs the ASGI call with ``async_to_sync`` (as the consumer tests do)."""

from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from yilian.asgi import application


def _get(path: str, method: str = "GET", headers=None, timeout: float = 5) -> dict:
    communicator = HttpCommunicator(application, method, path, headers=headers or [])
    return async_to_sync(communicator.get_response)(timeout=timeout)


def test_livez_answers_ok_without_touching_the_database():
    # No ``db`` fixture: a query would fail the test.
    response = _get("/livez")
    assert response["status"] == 200
    assert response["body"] == b"ok\n"
    assert (b"cache-control", b"no-store") in response["headers"]


def test_livez_needs_no_allowed_host_and_sets_no_cookie():
    response = _get("/livez", headers=[(b"host", b"unknown.example")])
    assert response["status"] == 200
    assert not [h for h in response["headers"] if h[0].lower() == b"set-cookie"]


def test_livez_head_has_no_body():
    response = _get("/livez", method="HEAD")
    assert response["status"] == 200
    assert response["body"] == b""


def test_livez_refuses_other_methods():
    response = _get("/livez", method="POST")
    assert response["status"] == 405
    assert (b"allow", b"GET, HEAD") in response["headers"]


def test_other_paths_still_reach_django():
    # Only the exact path is answered early: this one is Django's (its sign-in page).
    # (The first request through Django loads every URL module: allow it time.)
    response = _get("/livez/", headers=[(b"host", b"127.0.0.1")], timeout=60)
    assert response["status"] == 404
    headers = {name.lower(): value for name, value in response["headers"]}
    assert headers[b"x-frame-options"] == b"DENY"  # Django's middleware ran
