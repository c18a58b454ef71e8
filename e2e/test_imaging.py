"""Imaging and pathology in the browser: the applicant uploads a CT study (the connection
drops once and the upload goes on) and scrolls it with window presets; a pathology slide is
uploaded on a phone, OpenSeadragon loads its tiles from several zoom levels, the expert
marks a region and the applicant sees it on the slide."""

from __future__ import annotations

import re
import time
import zipfile

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.imaging.models import Annotation, Slide, Study
from yilian.imaging.tests.samples import ct_series, pyramidal_tiff, zip_of
from yilian.medical.models import Mode, Subtype
from yilian.medical.tests import conftest as medical

TILE = re.compile(r"/slide_files/(\d+)/\d+_\d+\.jpeg")

# The consultation fixtures of yilian.medical, shared here.
consult = medical.consult
departments = medical.departments
mdt_team = medical.mdt_team
pathologist = medical.pathologist
patient_a = medical.patient_a
radiologist = medical.radiologist
radiologist_2 = medical.radiologist_2


@pytest.fixture
def imaging_request(consult):
    # The server takes pieces of 1 MB (e2e/front.py SERVER_SETTINGS).
    return consult.in_progress(subtype=Subtype.IMAGING, mdt_specialties=(), mode=Mode.ASYNC)


def test_a_ct_study_is_uploaded_through_a_dropped_connection_and_scrolled(
    new_context, imaging_request, radiologist, tmp_path
):
    archive = tmp_path / "ct.zip"
    archive.write_bytes(
        zip_of(
            {f"CT/IM{i:03d}.dcm": d for i, d in enumerate(ct_series(40, size=128))},
            compression=zipfile.ZIP_STORED,
        )
    )
    assert archive.stat().st_size > 1024 * 1024  # more than one piece

    page = new_context(DESKTOP).new_page()
    log_in(page, imaging_request.applicant.phone, PASSWORD)
    page.goto(f"/requests/{imaging_request.public_id}/")
    chunks = {"seen": 0, "dropped": 0}

    def drop_second_piece(route):
        chunks["seen"] += 1
        if chunks["seen"] == 2 and not chunks["dropped"]:
            chunks["dropped"] += 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/imaging/uploads/*/chunk/", drop_second_piece)
    form = page.locator("form[data-resumable-upload]")
    expect(form.locator('input[name="deidentify"]')).to_be_checked()
    form.locator('input[type="file"]').set_input_files(str(archive))
    form.locator("[data-upload-go]").click()
    page.wait_for_url(re.compile(r"/imaging/studies/"), timeout=60_000)
    assert chunks["dropped"] == 1 and chunks["seen"] >= 3

    study = Study.objects.get()
    assert study.instance_count == 40 and study.deidentified
    image = page.locator("[data-slice-image]")
    expect(page.locator("[data-slice-label]")).to_have_text("21 / 40")
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-slice-image]'); "
        "return i.complete && i.naturalWidth === 128; }"
    )
    page.locator('[data-preset="lung"]').click()
    expect(image).to_have_attribute("src", re.compile(r"preset=lung"))
    page.locator('[data-step="1"]').click()
    expect(page.locator("[data-slice-label]")).to_have_text("22 / 40")
    page.locator("[data-stage]").hover()
    page.mouse.wheel(0, 300)
    expect(page.locator("[data-slice-label]")).to_have_text("23 / 40")
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-slice-image]'); "
        "return i.complete && i.naturalWidth === 128; }"
    )

    # The expert reads it on a phone: the page fits 390 px, a finger swipe changes slices.
    phone = new_context(PHONE).new_page()
    log_in(phone, radiologist.phone, PASSWORD)
    phone.goto(f"/imaging/studies/{study.public_id}/")
    expect(phone.locator("[data-slice-label]")).to_have_text("21 / 40")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    stage = phone.locator("[data-stage]")
    box = stage.bounding_box()
    assert box is not None and box["width"] <= 390
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    stage.dispatch_event(
        "pointerdown", {"pointerId": 7, "clientX": x, "clientY": y, "pointerType": "touch"}
    )
    for step in range(1, 6):
        stage.dispatch_event(
            "pointermove",
            {"pointerId": 7, "clientX": x, "clientY": y + 12 * step, "pointerType": "touch"},
        )
    stage.dispatch_event(
        "pointerup", {"pointerId": 7, "clientX": x, "clientY": y + 60, "pointerType": "touch"}
    )
    expect(phone.locator("[data-slice-label]")).to_have_text("26 / 40")


def _zoom_through_levels(page, seen: set[int], top: int) -> None:
    """Zoom out to an overview, then in step by step to the full resolution (Deep Zoom level
    ``top``), waiting each time for tiles of a level not seen yet."""
    for zoom in (0.1, 0.5, 2, 8, 32):
        known = set(seen)
        page.evaluate(f"() => window.ylSlideViewer.viewport.zoomTo({zoom}, null, true)")
        deadline = time.monotonic() + 8
        while seen == known and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        if len(seen) >= 3 and top in seen:
            return


def test_a_slide_is_viewed_in_openseadragon_and_an_experts_mark_shows_for_the_applicant(
    new_context, imaging_request, radiologist, tmp_path
):
    slide_file = pyramidal_tiff(tmp_path / "HE-12.tiff", size=2048)

    applicant = new_context(PHONE).new_page()
    log_in(applicant, imaging_request.applicant.phone, PASSWORD)
    applicant.goto(f"/requests/{imaging_request.public_id}/")
    form = applicant.locator("form[data-resumable-upload]")
    seen: set[int] = set()
    applicant.on(
        "response",
        lambda r: (
            seen.add(int(m.group(1))) if (m := TILE.search(r.url)) and r.status == 200 else None
        ),
    )
    form.locator('select[name="kind"]').select_option("slide")
    expect(form.locator("[data-deidentify-row]")).to_be_hidden()
    form.locator('input[type="file"]').set_input_files(str(slide_file))
    form.locator("[data-upload-go]").click()
    applicant.wait_for_url(re.compile(r"/imaging/slides/"), timeout=60_000)
    slide = Slide.objects.get()
    assert slide.width == 2048

    applicant.wait_for_function(
        "() => window.ylSlideViewer && window.ylSlideViewer.world.getItemCount() === 1"
    )
    _zoom_through_levels(applicant, seen, top=11)
    assert len(seen) >= 3, sorted(seen)
    assert max(seen) == 11, sorted(seen)  # full resolution (2048 px: Deep Zoom levels 0–11)

    expert = new_context(DESKTOP).new_page()
    log_in(expert, radiologist.phone, PASSWORD)
    expert.goto(f"/imaging/slides/{slide.public_id}/")
    expert.wait_for_function(
        "() => window.ylSlideViewer && window.ylSlideViewer.world.getItemCount() === 1"
    )
    expert.evaluate(
        "() => window.ylSlideViewer.viewport.fitBounds("
        "window.ylSlideViewer.viewport.imageToViewportRectangle(1000, 1000, 800, 600), true)"
    )
    expert.locator("#annotation-comment").fill("此处见异型腺体")
    expert.locator("[data-annotate-go]").click()
    expect(expert.locator("[data-annotation-list]")).to_contain_text("此处见异型腺体")
    annotation = Annotation.objects.get()
    assert annotation.author == radiologist
    assert 900 <= annotation.x <= 1100 and annotation.width >= 600

    applicant.reload()
    expect(applicant.locator("[data-annotation-list]")).to_contain_text("此处见异型腺体")
    overlay = applicant.locator(f'[data-overlay="{annotation.public_id}"]')
    expect(overlay).to_be_attached()
    expect(overlay).to_contain_text("此处见异型腺体")
