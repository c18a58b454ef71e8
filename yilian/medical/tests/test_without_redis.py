"""With Redis stopped — cache, rate-limit counts and the live-update channel gone — a
consultation is still submitted and reviewed through its pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.urls import reverse

from yilian.core.tests.cache import redis_settings, running_redis
from yilian.workflow.models import BusinessRequest, Status

from ..services import save_consultation
from .conftest import mdt_data, sign_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def stopped_redis(settings, tmp_path) -> Iterator[str]:
    """A real Redis the site is configured with, started and then stopped."""
    with running_redis(tmp_path) as url:
        settings.CACHES, settings.CHANNEL_LAYERS = redis_settings(url)
        cache.set("probe", "up")
        assert cache.get("probe") == "up"  # the site really talks to this Redis
    yield url


def test_a_consultation_is_submitted_and_reviewed_while_redis_is_down(
    client, stopped_redis, staff_a, manager, patient_a, mdt_team
):
    assert cache.get("probe") is None  # Redis is gone: the cache answers as an empty one
    draft = save_consultation(applicant=staff_a, data=mdt_data(patient_a))
    sign_consent(draft, staff_a)

    client.force_login(staff_a)
    submitted = client.post(
        reverse("workflow:act", args=[draft.public_id, "submit"]),
        {"submit-expected_version": draft.version},
    )
    assert submitted.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED

    client.force_login(manager)
    inbox = client.get(reverse("workflow:workbench"))
    assert inbox.status_code == 200
    approved = client.post(
        reverse("workflow:act", args=[draft.public_id, "approve"]),
        {"approve-expected_version": draft.version},
    )
    assert approved.status_code == 302
    reviewed = BusinessRequest.objects.get(pk=draft.pk)
    # Approved, and routed on to the MDT team by the kind's routing rule.
    assert reviewed.status == Status.DISPATCHED
    assert list(reviewed.events.values_list("action", flat=True)) == [
        "create",
        "submit",
        "approve",
        "dispatch",
    ]
