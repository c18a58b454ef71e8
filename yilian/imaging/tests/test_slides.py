"""Pathology slides: a synthetic pyramidal TIFF opened by OpenSlide, Deep Zoom tiles from
every level, the experts' annotations and snapshots."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from yilian.audit.models import AuditEntry
from yilian.core.tests.pdf import needs_poppler, pdf_text
from yilian.files.models import FileAsset
from yilian.workflow.selectors import OPINION_FIGURE
from yilian.workflow.services import transition

from ..models import Annotation, Slide, Snapshot
from .samples import pyramidal_tiff

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def slide_bytes(tmp_path_factory) -> bytes:
    return pyramidal_tiff(tmp_path_factory.mktemp("slide") / "case.tiff", size=2048).read_bytes()


@pytest.fixture
def slide(uploader, slide_bytes) -> Slide:
    response = uploader.send("case-12.svs", slide_bytes, kind="slide")
    assert response.status_code == 200, response.content
    return Slide.objects.get()


def test_a_pyramidal_tiff_becomes_a_slide_with_its_levels_and_pixel_size(slide):
    assert (slide.width, slide.height) == (2048, 2048)
    assert slide.levels == 4
    assert slide.vendor == "generic-tiff"
    assert slide.mpp == pytest.approx(0.5)
    assert slide.file.purpose == "slide" and slide.file.mime_type == "image/tiff"


def test_deep_zoom_serves_the_descriptor_and_tiles_of_every_level(uploader, slide):
    dzi = uploader.client.get(reverse("imaging:dzi", args=[slide.public_id]))
    assert dzi.status_code == 200
    assert b'Width="2048"' in dzi.content and b'TileSize="254"' in dzi.content
    for level, expected in ((0, (1, 1)), (8, (255, 255)), (11, (255, 255))):
        url = reverse("imaging:tile", args=[slide.public_id, level, 0, 0])
        tile = uploader.client.get(url)
        assert tile.status_code == 200 and tile["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(tile.content)).size == expected
    missing = reverse("imaging:tile", args=[slide.public_id, 11, 99, 0])
    assert uploader.client.get(missing).status_code == 404


def test_the_slide_page_opens_openseadragon_and_is_audited(uploader, slide):
    page = uploader.client.get(reverse("imaging:slide", args=[slide.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "vendor/openseadragon/openseadragon.min.js" in html
    assert reverse("imaging:dzi", args=[slide.public_id]) in html
    assert "data-annotate-form" not in html  # the applicant does not annotate
    assert AuditEntry.objects.filter(action="view", object_id=str(slide.public_id)).exists()


def test_an_expert_marks_a_region_and_the_applicant_sees_it(client, uploader, slide, radiologist):
    expert = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    expert.force_login(radiologist)
    url = reverse("imaging:annotations", args=[slide.public_id])
    page = expert.get(reverse("imaging:slide", args=[slide.public_id]))
    assert "data-annotate-form" in page.content.decode()
    response = expert.post(
        url, {"x": 100, "y": 200, "width": 300, "height": 400, "comment": "异型细胞聚集"}
    )
    assert response.status_code == 201
    annotation = Annotation.objects.get()
    assert (annotation.x, annotation.y, annotation.width, annotation.height) == (100, 200, 300, 400)
    assert annotation.author == radiologist

    seen = uploader.client.get(url).json()["annotations"]
    assert [(a["comment"], a["author"]) for a in seen] == [("异型细胞聚集", radiologist.name)]
    assert (
        "异型细胞聚集"
        in uploader.client.get(reverse("imaging:slide", args=[slide.public_id])).content.decode()
    )


def test_the_applicant_cannot_annotate_and_nothing_is_saved(uploader, slide):
    url = reverse("imaging:annotations", args=[slide.public_id])
    response = uploader.client.post(url, {"x": 1, "y": 1, "width": 5, "height": 5, "comment": "x"})
    assert response.status_code == 403
    assert Annotation.objects.count() == 0


def test_an_annotation_needs_a_comment_and_a_region_on_the_slide(client, slide, radiologist):
    client.force_login(radiologist)
    url = reverse("imaging:annotations", args=[slide.public_id])
    empty = client.post(url, {"x": 1, "y": 1, "width": 5, "height": 5, "comment": " "})
    outside = client.post(url, {"x": 5000, "y": 1, "width": 5, "height": 5, "comment": "x"})
    assert empty.status_code == outside.status_code == 422
    assert "Write what the marked region shows" in empty.json()["error"]
    assert "outside the slide" in outside.json()["error"]
    assert Annotation.objects.count() == 0


def test_an_expert_snapshot_is_rendered_from_the_slide_and_shown_on_the_request(
    client, uploader, slide, radiologist
):
    client.force_login(radiologist)
    response = client.post(
        reverse("imaging:snapshot", args=[slide.public_id]),
        {"x": 0, "y": 0, "width": 2048, "height": 1024, "caption": "低倍全景"},
    )
    assert response.status_code == 201, response.content
    shot = Snapshot.objects.get()
    assert shot.file.purpose == OPINION_FIGURE and shot.file.mime_type == "image/png"
    download = uploader.client.get(response.json()["url"])
    image = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert image.size == (1600, 800)
    page = uploader.client.get(reverse("workflow:detail", args=[uploader.request.public_id]))
    assert f'data-snapshot="{shot.public_id}"' in page.content.decode()
    assert "低倍全景" in page.content.decode()


def test_a_file_that_is_not_a_slide_is_refused(uploader):
    # A TIFF header with nothing OpenSlide can read behind it.
    data = b"II*\x00" + b"\x08\x00\x00\x00" + b"\x00" * 4000
    response = uploader.send("broken.tif", data, kind="slide")
    assert response.status_code == 422
    assert "not a slide that can be opened" in response.json()["error"]
    assert Slide.objects.count() == 0 and FileAsset.objects.count() == 0


@needs_poppler
def test_a_snapshot_is_printed_with_the_opinion(client, uploader, slide, radiologist, consult):
    import subprocess
    import tempfile
    from pathlib import Path

    client.force_login(radiologist)
    client.post(
        reverse("imaging:snapshot", args=[slide.public_id]),
        {"x": 0, "y": 0, "width": 1024, "height": 1024, "caption": "腺体结构"},
    )
    request = slide.request
    request.refresh_from_db()
    transition(request, "complete", actor=consult.lead, body="考虑高分化腺癌。")

    response = uploader.client.get(reverse("workflow:opinion_pdf", args=[request.public_id]))

    assert response.status_code == 200
    assert "腺体结构" in pdf_text(response.content)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "opinion.pdf"
        path.write_bytes(response.content)
        listing = subprocess.run(
            ["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True
        ).stdout
    images = [line.split() for line in listing.splitlines()[2:]]
    assert any(row[3:5] == ["1024", "1024"] for row in images), listing
