"""Talking DICOMweb to Orthanc (``YILIAN_ORTHANC_URL``): STOW-RS to store a study, QIDO-RS
to find it, WADO-RS to read it back. Plain HTTP on the hospital's own network (loopback in
a single-machine deployment). Credentials, when Orthanc asks for them, are part of the
URL (``http://user:password@host:8042``) and sent as HTTP basic authentication."""

from __future__ import annotations

import base64
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


def _request(url: str, **kwargs: Any) -> urllib.request.Request:
    """A request to ``url`` with the credentials of its user part as basic authentication
    (urllib sends none of its own), the URL itself without them."""
    parts = urllib.parse.urlsplit(url)
    headers = dict(kwargs.pop("headers", {}))
    if parts.username is not None:
        user, password = (urllib.parse.unquote(v or "") for v in (parts.username, parts.password))
        pair = f"{user}:{password}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        netloc = parts.netloc.rsplit("@", 1)[1]
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return urllib.request.Request(url, headers=headers, **kwargs)  # noqa: S310


def _url(path: str) -> str:
    return f"{settings.YILIAN_ORTHANC_URL}/dicom-web/{path.lstrip('/')}"


def ping(url: str, timeout: float) -> None:
    """Orthanc answers ``/system`` over its REST API (the health probe: yilian.core.health)."""
    with urllib.request.urlopen(_request(f"{url}/system"), timeout=timeout) as resp:  # noqa: S310
        answer = json.loads(resp.read())
    if not isinstance(answer, dict) or "Version" not in answer:
        raise ValueError("not an Orthanc /system answer")


def stow(instances: Iterable[bytes]) -> dict[str, Any]:
    """Store DICOM instances (Part 10 bytes) in one STOW-RS request; Orthanc's response."""
    boundary = uuid.uuid4().hex
    parts = []
    for data in instances:
        parts.append(
            b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + data
        )
    body = b"\r\n".join(parts) + b"\r\n--" + boundary.encode() + b"--\r\n"
    req = _request(  # the administrator's configured URL
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
    req = _request(_url(path), headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310
        return resp.read(), resp.headers.get("Content-Type", "")
