"""What the view tests share: English pages, and the POST data of each action's form."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from yilian.workflow.models import BusinessRequest

from .conftest import Loop


def local(value: Any) -> str:
    """A datetime as a datetime-local input sends it (in the current time zone)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def act_url(request: BusinessRequest, action: str) -> str:
    return reverse("workflow:act", args=[request.public_id, action])


def detail_url(request: BusinessRequest) -> str:
    return reverse("workflow:detail", args=[request.public_id])


def form_data(loop: Loop, request: BusinessRequest, action: str, **extra: Any) -> dict[str, Any]:
    """Valid POST data of ``action``'s form for ``request`` as it is now."""
    data = dict(loop.data_for(action))
    if action == "dispatch":
        data["team"] = str(loop.team.public_id)
    if action == "confirm":
        data["scheduled_start"] = local(data["scheduled_start"])
        data["scheduled_end"] = local(data["scheduled_end"])
    if action == "close":
        checklist = data.pop("checklist")
        data.update({f"qc_{key}": "on" for key in checklist})
    data.update(extra)
    version = BusinessRequest.objects.get(pk=request.pk).version
    return {
        f"{action}-{key}": value for key, value in {**data, "expected_version": version}.items()
    }
