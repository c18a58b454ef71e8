"""Studies are sent to a real Orthanc (Debian's, with the DICOMweb plugin and the deploy/
configuration) started on loopback: QIDO-RS finds the study, WADO-RS returns its frames."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from .. import orthanc
from ..models import Instance, OrthancState, Study
from .samples import PATIENT_NAME, ct_series, parse, running_orthanc, zip_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("Orthanc") is None, reason="Debian's orthanc is needed"),
]


@pytest.fixture
def orthanc_url(settings):
    with running_orthanc() as url:
        settings.YILIAN_ORTHANC_URL = url
        yield url


def test_a_study_is_stored_in_orthanc_found_by_qido_and_read_by_wado(uploader, orthanc_url):
    series = ct_series(40)
    response = uploader.send("ct.zip", zip_of({f"IM{i}.dcm": d for i, d in enumerate(series)}))
    assert response.status_code == 200, response.content
    study = Study.objects.get()
    assert study.orthanc == OrthancState.SENT

    body, _type = orthanc.get(f"studies?StudyInstanceUID={study.study_uid}")
    found = json.loads(body)
    assert len(found) == 1
    assert found[0]["0020000D"]["Value"] == [study.study_uid]
    # Orthanc holds the de-identified study: no patient name.
    assert PATIENT_NAME not in body.decode()

    body, _type = orthanc.get(f"studies/{study.study_uid}/series")
    (series_json,) = json.loads(body)
    series_uid = series_json["0020000E"]["Value"][0]
    body, _type = orthanc.get(f"studies/{study.study_uid}/series/{series_uid}/instances")
    assert len(json.loads(body)) == 40

    instance = Instance.objects.filter(series__study=study).first()
    assert instance is not None
    frames, content_type = orthanc.get(
        f"studies/{study.study_uid}/series/{series_uid}/instances/{instance.sop_uid}/frames/1",
        accept='multipart/related; type="application/octet-stream"',
    )
    assert content_type.startswith("multipart/related")
    expected = parse(
        open_bytes(instance)  # the pixel data we stored
    ).PixelData
    assert expected in frames


def test_the_viewer_shows_slices_rendered_by_orthanc(uploader, orthanc_url):
    from django.core.files.storage import default_storage
    from django.urls import reverse

    uploader.send("IM0.dcm", ct_series(1)[0])
    study = Study.objects.get()
    instance = Instance.objects.select_related("file").get(series__study=study)
    # Only Orthanc has the image now: what the viewer shows comes from WADO-RS.
    default_storage.delete(instance.file.storage_key)
    url = reverse("imaging:slice", args=[study.public_id, instance.file.public_id])
    lung = uploader.client.get(url + "?preset=lung")
    bone = uploader.client.get(url + "?preset=bone")
    assert lung.status_code == bone.status_code == 200
    assert lung["Content-Type"] == "image/png"
    lung_px = np.asarray(Image.open(io.BytesIO(lung.content)))
    bone_px = np.asarray(Image.open(io.BytesIO(bone.content)))
    assert lung_px.shape == (64, 64)
    assert lung_px[32, 5] > 150 > bone_px[32, 5]  # soft tissue: bright in lung, dark in bone


def open_bytes(instance: Instance) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(instance.file.storage_key, "rb") as handle:
        return handle.read()


def test_when_orthanc_is_down_the_study_is_kept_and_marked(uploader, settings):
    from .samples import free_port

    settings.YILIAN_ORTHANC_URL = f"http://127.0.0.1:{free_port()}"
    response = uploader.send("IM0.dcm", ct_series(1)[0])
    assert response.status_code == 200
    assert Study.objects.get().orthanc == OrthancState.FAILED


def test_uids_are_quoted_as_single_path_segments_in_orthanc_urls(settings):
    import http.server
    import threading

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(b"png")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.YILIAN_ORTHANC_URL = f"http://127.0.0.1:{server.server_address[1]}"
        crafted = "1.2/../../instances?x=1"
        assert orthanc.rendered(crafted, "1.3", "1.4", (40, 400)) == b"png"
    finally:
        server.shutdown()
        server.server_close()
    (path,) = seen
    assert path == (
        "/dicom-web/studies/1.2%2F..%2F..%2Finstances%3Fx%3D1/series/1.3/instances/1.4"
        "/frames/1/rendered?window=40,400,linear"
    )
