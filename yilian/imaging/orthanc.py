"""Talking DICOMweb to Orthanc (``YILIAN_ORTHANC_URL``): STOW-RS to store a study, QIDO-RS
to find it, WADO-RS to read it back. Plain HTTP on the hospital's own network (loopback in
a single-machine deployment)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings

TIMEOUT = 60


def configured() -> bool:
    return bool(settings.YILIAN_ORTHANC_URL)


def _url(path: str) -> str:
    return f"{settings.YILIAN_ORTHANC_URL}/dicom-web/{path.lstrip('/')}"


def stow(instances: Iterable[bytes]) -> dict[str, Any]:
    """Store DICOM instances (Part 10 bytes) in one STOW-RS request; Orthanc's response."""
    boundary = uuid.uuid4().hex
    parts = []
    for data in instances:
        parts.append(
            b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + data
        )
    body = b"\r\n".join(parts) + b"\r\n--" + boundary.encode() + b"--\r\n"
    req = urllib.request.Request(  # noqa: S310 — the administrator's configured URL
        _url("studies"),
        data=body,
        method="POST",
        headers={
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
            "Accept": "application/dicom+json",
        },
    )
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310
        return json.loads(resp.read() or b"{}")


def rendered(
    study_uid: str, series_uid: str, sop_uid: str, window: tuple[float, float] | None
) -> bytes:
    """WADO-RS: the first frame of an instance rendered by Orthanc as PNG, with a window
    (centre, width) or the one in the file."""
    # A UID is digits and dots; quoted all the same, so none can add a path segment or a query.
    study, series, sop = (
        urllib.parse.quote(uid, safe="") for uid in (study_uid, series_uid, sop_uid)
    )
    path = f"studies/{study}/series/{series}/instances/{sop}/frames/1/rendered"
    if window is not None:
        path += f"?window={window[0]:g},{window[1]:g},linear"
    body, _type = get(path, accept="image/png")
    return body


def get(path: str, accept: str = "application/dicom+json") -> tuple[bytes, str]:
    """GET a DICOMweb path (QIDO-RS or WADO-RS); the body and its content type."""
    req = urllib.request.Request(_url(path), headers={"Accept": accept})  # noqa: S310
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310
        return resp.read(), resp.headers.get("Content-Type", "")
