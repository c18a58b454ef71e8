"""FHIR calls count against the same rate as the REST API's (``YILIAN_API_RATE``, one
budget per token or signed-in user): beyond it the answer is a 429 OperationOutcome
(``throttled``) with Retry-After, and no patient data."""

from __future__ import annotations

import json

from django.test import Client
from freezegun import freeze_time

from yilian.api.services import create_token

from .conftest import validate


def _get(client: Client, path: str, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **headers)


def _throttled(response) -> None:
    assert response.status_code == 429, response.content[:500]
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = json.loads(response.content)
    validate(outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    assert "entry" not in outcome


def test_a_token_beyond_the_rate_is_throttled(settings, story, staff_a, staff_b):
    settings.YILIAN_API_RATE = "3/m"
    client = Client()
    with freeze_time("2031-02-03 08:00:05"):
        _row, token = create_token(staff_a, name="HIS", scope="read", days=30)
        _row, other = create_token(staff_b, name="HIS", scope="read", days=30)
        statuses = [_get(client, "/fhir/r4/Patient", token).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        _throttled(_get(client, "/fhir/r4/Patient", token))
        _throttled(_get(client, f"/fhir/r4/Patient/{story.patient_a.public_id}", token))
        # Another user's token has its own count.
        assert _get(client, "/fhir/r4/Patient", other).status_code == 200
    with freeze_time("2031-02-03 08:01:01"):  # the next window
        assert _get(client, "/fhir/r4/Patient", token).status_code == 200


def test_the_rest_api_and_fhir_share_one_budget(settings, db, staff_a):
    settings.YILIAN_API_RATE = "3/m"
    client = Client()
    with freeze_time("2031-02-03 09:00:05"):
        _row, token = create_token(staff_a, name="HIS", scope="read", days=30)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        assert [client.get("/api/v1/me/", **headers).status_code for _ in range(3)] == [200] * 3
        _throttled(_get(client, "/fhir/r4/Patient", token))


def test_a_signed_in_session_beyond_the_rate_is_throttled(settings, db, staff_a):
    settings.YILIAN_API_RATE = "2/m"
    client = Client()
    with freeze_time("2031-02-03 10:00:05"):
        client.force_login(staff_a)  # within the frozen time: the session is fresh
        assert [_get(client, "/fhir/r4/Patient").status_code for _ in range(2)] == [200, 200]
        _throttled(_get(client, "/fhir/r4/Patient"))
        assert client.get("/api/v1/me/").status_code == 429  # the same budget
