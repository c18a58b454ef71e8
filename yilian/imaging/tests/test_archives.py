"""Zip archives are checked before anything is extracted: paths that leave the folder,
links, bombs, too many entries or too many bytes are refused with a clear message."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from yilian.files.models import FileAsset

from ..models import Study, Upload
from .samples import ct_series, zip_of

pytestmark = pytest.mark.django_db


def _refused(uploader, name: str, archive: bytes) -> str:
    response = uploader.send(name, archive)
    assert response.status_code == 422, response.content
    assert Study.objects.count() == 0 and FileAsset.objects.count() == 0
    assert Upload.objects.get().status == Upload.Status.FAILED
    return response.json()["error"]


@pytest.mark.parametrize(
    "name", ["../../etc/evil.dcm", "/abs/evil.dcm", "a/../../b.dcm", "c:\\x.dcm"]
)
def test_a_zip_with_paths_leaving_its_folder_is_refused(uploader, name):
    archive = zip_of({"ok.dcm": ct_series(1)[0], name: b"x" * 10})
    message = _refused(uploader, "study.zip", archive)
    assert "points outside its folder" in message


def test_a_zip_bomb_is_refused_by_its_compression_ratio(uploader, settings):
    settings.YILIAN_ZIP_MAX_RATIO = 100
    archive = zip_of({"bomb.dcm": b"\0" * (5 * 1024 * 1024)})
    assert len(archive) < 50 * 1024
    message = _refused(uploader, "bomb.zip", archive)
    assert "expands more than 100 times" in message


def test_a_zip_holding_a_link_is_refused(uploader):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link.dcm")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    assert "is a link" in _refused(uploader, "links.zip", buffer.getvalue())


def test_a_zip_with_too_many_entries_is_refused(uploader, settings):
    settings.YILIAN_ZIP_MAX_FILES = 5
    archive = zip_of({f"f{i}.dcm": b"x" for i in range(6)}, compression=zipfile.ZIP_STORED)
    assert "holds 6 entries; at most 5" in _refused(uploader, "many.zip", archive)


def test_a_zip_that_expands_beyond_the_limit_is_refused(uploader, settings):
    settings.YILIAN_ZIP_MAX_MB = 1
    archive = zip_of({"a.bin": bytes(range(256)) * 5000}, compression=zipfile.ZIP_STORED)
    assert "at most 1.0\xa0MB" in _refused(uploader, "big.zip", archive)


def test_a_zip_whose_entry_is_larger_than_its_header_says_is_refused(uploader, settings):
    # A forged header: the entry claims 10 bytes, inflates to far more.
    data = ct_series(1)[0]
    archive = bytearray(zip_of({"a.dcm": data}))
    central = archive.rfind(b"PK\x01\x02")
    local = archive.find(b"PK\x03\x04")
    small = (10).to_bytes(4, "little")
    archive[local + 22 : local + 26] = small
    archive[central + 24 : central + 28] = small
    settings.YILIAN_ZIP_MAX_RATIO = 10_000
    message = _refused(uploader, "forged.zip", bytes(archive))
    assert "larger than it claims" in message or "damaged" in message
