"""Resumable uploads: chunks in order with checksums, resuming after a drop, nothing shown
before the file is complete, and the limits."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.files.storage import default_storage

from yilian.files.models import FileAsset

from ..models import Slide, Study, Upload
from ..services import partial_path
from .samples import pyramidal_tiff

pytestmark = pytest.mark.django_db


def test_an_upload_interrupted_at_half_resumes_and_stores_the_same_bytes(uploader, tmp_path):
    source = pyramidal_tiff(tmp_path / "slide.tiff", size=1024, compression=None).read_bytes()
    started = uploader.start("slide.tiff", len(source), kind="slide").json()
    chunk = started["chunk"]
    half = len(source) // 2 // chunk * chunk
    assert 0 < half < len(source)
    for offset in range(0, half, chunk):
        assert (
            uploader.chunk(started["id"], offset, source[offset : offset + chunk]).status_code
            == 200
        )
    # The connection drops in the middle of the next piece: the server got part of it, then
    # nothing. The client asks where the upload stands and goes on from there.
    dropped = uploader.chunk(started["id"], half, source[half : half + chunk // 2], "0" * 64)
    assert dropped.status_code == 422
    status = uploader.client.get(f"/imaging/uploads/{started['id']}/").json()
    assert status["received"] == half
    assert Slide.objects.count() == 0 and not FileAsset.objects.filter(purpose="slide").exists()
    offset = status["received"]
    while offset < len(source):
        response = uploader.chunk(started["id"], offset, source[offset : offset + chunk])
        assert response.status_code == 200
        offset = response.json()["received"]

    done = uploader.complete(started["id"])

    assert done.status_code == 200, done.content
    slide = Slide.objects.get()
    assert slide.file.sha256 == hashlib.sha256(source).hexdigest()
    with default_storage.open(slide.file.storage_key, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == hashlib.sha256(source).hexdigest()
    assert done.json()["url"] == f"/imaging/slides/{slide.public_id}/"
    assert not partial_path(Upload.objects.get()).exists()


def test_a_chunk_at_the_wrong_offset_is_refused_with_where_the_upload_stands(uploader):
    started = uploader.start("a.dcm", 3000).json()
    assert uploader.chunk(started["id"], 0, b"x" * 1000).json()["received"] == 1000
    again = uploader.chunk(started["id"], 0, b"x" * 1000)
    ahead = uploader.chunk(started["id"], 2000, b"x" * 1000)
    assert again.status_code == ahead.status_code == 409
    assert again.json()["received"] == ahead.json()["received"] == 1000
    assert os.path.getsize(partial_path(Upload.objects.get())) == 1000


def test_an_incomplete_upload_cannot_be_completed_and_shows_nothing(uploader):
    started = uploader.start("a.dcm", 3000).json()
    uploader.chunk(started["id"], 0, b"x" * 1000)
    response = uploader.complete(started["id"])
    assert response.status_code == 422
    assert "not complete" in response.json()["error"]
    assert Study.objects.count() == 0 and FileAsset.objects.count() == 0
    assert Upload.objects.get().status == Upload.Status.OPEN


def test_a_file_over_the_limit_is_refused_before_any_byte_is_sent(uploader, settings):
    settings.YILIAN_IMAGING_MAX_MB = 1
    response = uploader.start("big.svs", 2 * 1024 * 1024, kind="slide")
    assert response.status_code == 422
    assert "at most 1.0\xa0MB" in response.json()["error"]
    assert Upload.objects.count() == 0


def test_a_chunk_past_the_announced_size_is_refused(uploader):
    started = uploader.start("a.dcm", 100).json()
    response = uploader.chunk(started["id"], 0, b"x" * 101)
    assert response.status_code == 422
    assert Upload.objects.get().received == 0


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_kept(uploader):
    data = b"%PDF-1.4\n" + b"0" * 5000
    response = uploader.send("scan.pdf", data, kind="slide")
    assert response.status_code == 422
    assert "PDF" in response.json()["error"]
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.FAILED
    assert FileAsset.objects.count() == 0 and Slide.objects.count() == 0
    assert not partial_path(upload).exists()


def test_only_the_uploader_may_send_chunks(uploader, client, imaging_request, make_user):
    from yilian.accounts.roles import Role

    started = uploader.start("a.dcm", 100).json()
    colleague = make_user(Role.STAFF, hospital=imaging_request.applicant_hospital)
    other = client.__class__()
    other.force_login(colleague)
    response = other.generic(
        "PUT",
        f"/imaging/uploads/{started['id']}/chunk/",
        data=b"x" * 100,
        content_type="application/octet-stream",
        HTTP_X_UPLOAD_OFFSET="0",
    )
    assert response.status_code == 404
    assert Upload.objects.get().received == 0


def test_a_second_completion_finds_the_upload_finished_and_adds_nothing(uploader, tmp_path):
    data = pyramidal_tiff(tmp_path / "s.tiff", size=512).read_bytes()
    started = uploader.start("s.tiff", len(data), kind="slide").json()
    uploader.chunk(started["id"], 0, data)
    assert uploader.complete(started["id"]).status_code == 200
    again = uploader.complete(started["id"])
    assert again.status_code == 422 and "finished" in again.json()["error"]
    assert Slide.objects.count() == 1 and FileAsset.objects.count() == 1


def test_pieces_larger_than_the_in_memory_request_limit_are_streamed(uploader, settings):
    settings.YILIAN_UPLOAD_CHUNK_MB = 4
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    piece = os.urandom(4 * 1024 * 1024)
    started = uploader.start("a.dcm", len(piece) + 10).json()
    response = uploader.chunk(started["id"], 0, piece)
    assert response.status_code == 200, response.content
    assert response.json()["received"] == len(piece)
    with open(partial_path(Upload.objects.get()), "rb") as handle:
        assert hashlib.sha256(handle.read()).digest() == hashlib.sha256(piece).digest()


def test_uploads_nobody_continued_for_a_week_are_given_up(uploader):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    old = uploader.start("old.dcm", 100).json()
    fresh = uploader.start("fresh.dcm", 100).json()
    Upload.objects.filter(public_id=old["id"]).update(updated_at=timezone.now() - timedelta(days=8))
    call_command("purge_stale_uploads", verbosity=0)
    gone, kept = Upload.objects.get(public_id=old["id"]), Upload.objects.get(public_id=fresh["id"])
    assert gone.status == Upload.Status.FAILED and not partial_path(gone).exists()
    assert kept.status == Upload.Status.OPEN and partial_path(kept).exists()
    assert uploader.chunk(old["id"], 0, b"x" * 100).status_code == 422


def test_uploads_stuck_in_processing_are_given_up_with_their_partial_files(uploader):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from ..services import PROCESSING_STALE_AFTER

    stuck = uploader.start("stuck.dcm", 100).json()
    busy = uploader.start("busy.dcm", 100).json()
    for started in (stuck, busy):
        assert uploader.chunk(started["id"], 0, b"x" * 100).status_code == 200
    # Processing began (as ``complete_upload`` marks it) and the process then died.
    Upload.objects.filter(public_id__in=[stuck["id"], busy["id"]]).update(
        status=Upload.Status.PROCESSING
    )
    Upload.objects.filter(public_id=stuck["id"]).update(
        updated_at=timezone.now() - PROCESSING_STALE_AFTER - timedelta(minutes=1)
    )
    call_command("purge_stale_uploads", verbosity=0)
    gone, kept = Upload.objects.get(public_id=stuck["id"]), Upload.objects.get(public_id=busy["id"])
    assert gone.status == Upload.Status.FAILED and gone.error
    assert not partial_path(gone).exists()
    assert kept.status == Upload.Status.PROCESSING and partial_path(kept).exists()
    assert uploader.complete(stuck["id"]).status_code == 422


def test_completing_an_upload_starts_the_processing_clock(uploader, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from .samples import ct_series

    data = ct_series(1)[0]
    started = uploader.start("IM0.dcm", len(data)).json()
    uploader.chunk(started["id"], 0, data)
    long_ago = timezone.now() - timedelta(days=3)
    Upload.objects.filter(public_id=started["id"]).update(updated_at=long_ago)
    assert uploader.complete(started["id"]).status_code == 200
    assert Upload.objects.get(public_id=started["id"]).updated_at > long_ago


def test_a_file_that_is_neither_dicom_nor_a_zip_is_refused_as_such(uploader):
    response = uploader.send("scan.jpg", b"\xff\xd8\xff\xe0" + b"0" * 500)
    assert response.status_code == 422
    assert "is not a DICOM file or a zip of DICOM files" in response.json()["error"]
