"""What an upload is, judged by its bytes: the file name and the browser's claimed type
are not trusted."""

from __future__ import annotations

from collections.abc import Iterable

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DICOM = "application/dicom"
TIFF = "image/tiff"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MP4 = "video/mp4"

# The types Yilian accepts, with the name a user knows them by.
LABELS: dict[str, str] = {
    PDF: "PDF",
    JPEG: "JPEG",
    PNG: "PNG",
    DICOM: "DICOM",
    TIFF: "TIFF",
    ZIP: "ZIP",
    DOCX: "Word (.docx)",
    XLSX: "Excel (.xlsx)",
    MP4: "MP4",
}
IMAGES = frozenset({JPEG, PNG})
SCANS = frozenset({PDF, JPEG, PNG})  # certificates, signed forms
DOCUMENTS = frozenset({PDF, JPEG, PNG, DOCX, XLSX})

# Enough of the head for every signature filetype knows (Office files are ZIPs whose
# first entries name the format).
_HEAD = 64 * 1024


def sniff(upload: UploadedFile) -> str | None:
    """The MIME type the content shows, or None when it is not one we recognise."""
    upload.seek(0)
    head = upload.read(_HEAD)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind is not None else None


def max_upload_bytes() -> int:
    return int(settings.YILIAN_UPLOAD_MAX_MB) * 1024 * 1024


def check_upload(
    upload: UploadedFile,
    allowed_types: Iterable[str] = DOCUMENTS,
    max_bytes: int | None = None,
) -> str:
    """The sniffed MIME type of ``upload`` if it is allowed; ``ValidationError`` saying why
    not otherwise (empty, too large, or not one of the allowed types)."""
    allowed = frozenset(allowed_types)
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    name = upload.name or _("the file")
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    mime = sniff(upload)
    if mime not in allowed:
        expected = "、".join(LABELS.get(t, t) for t in sorted(allowed, key=list(LABELS).index))
        found = LABELS.get(mime or "", "")
        message = (
            _("“%(name)s” is a %(found)s file; only %(expected)s files are accepted here.")
            if found
            else _("“%(name)s” is not a file type accepted here (%(expected)s).")
        )
        raise ValidationError(
            message % {"name": name, "found": found, "expected": expected}, code="type"
        )
    assert mime is not None
    return mime
