"""The cast of an imaging consultation: the consultation fixtures of yilian.medical (an
applicant of hospital A, the lead hospital's radiologist and pathologist as experts), and
``Uploader`` — sends bytes through the resumable upload endpoints as the browser does."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from yilian.medical.models import Mode, Subtype
from yilian.medical.tests import conftest as medical
from yilian.workflow.models import BusinessRequest

# The consultation fixtures of yilian.medical, shared here.
consult = medical.consult
departments = medical.departments
imaging_team = medical.imaging_team
mdt_team = medical.mdt_team
pathologist = medical.pathologist
patient_a = medical.patient_a
patient_b = medical.patient_b
radiologist = medical.radiologist
radiologist_2 = medical.radiologist_2


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _small_chunks(settings) -> None:
    settings.YILIAN_UPLOAD_CHUNK_MB = 1


@pytest.fixture
def imaging_request(consult) -> BusinessRequest:
    """An imaging consultation in progress: the radiologist and the pathologist assigned."""
    return consult.in_progress(subtype=Subtype.IMAGING, mdt_specialties=(), mode=Mode.ASYNC)


@dataclass
class Uploader:
    client: Client
    request: BusinessRequest

    def start(self, name: str, size: int, kind: str = "dicom", deidentify: bool = True) -> Any:
        return self.client.post(
            reverse("imaging:upload_start", args=[self.request.public_id]),
            {"kind": kind, "name": name, "size": size, "deidentify": "1" if deidentify else "0"},
        )

    def chunk(self, upload_id: str, offset: int, data: bytes, checksum: str | None = None) -> Any:
        return self.client.generic(
            "PUT",
            reverse("imaging:upload_chunk", args=[upload_id]),
            data=data,
            content_type="application/octet-stream",
            HTTP_X_UPLOAD_OFFSET=str(offset),
            HTTP_X_CHUNK_SHA256=checksum
            if checksum is not None
            else hashlib.sha256(data).hexdigest(),
        )

    def complete(self, upload_id: str) -> Any:
        return self.client.post(reverse("imaging:upload_complete", args=[upload_id]))

    def send(self, name: str, data: bytes, kind: str = "dicom", deidentify: bool = True) -> Any:
        """The whole upload, as the browser sends it; the completion response."""
        started = self.start(name, len(data), kind, deidentify)
        assert started.status_code == 201, started.content
        info = started.json()
        stream = io.BytesIO(data)
        offset = 0
        while offset < len(data):
            piece = stream.read(info["chunk"])
            response = self.chunk(info["id"], offset, piece)
            assert response.status_code == 200, response.content
            offset = response.json()["received"]
        return self.complete(info["id"])


@pytest.fixture
def uploader(client, imaging_request) -> Uploader:
    client.force_login(imaging_request.applicant)
    return Uploader(client, imaging_request)
