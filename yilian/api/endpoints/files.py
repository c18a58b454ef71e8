"""Downloading a file the caller may read (the same authorisation, audit entry and range
support as the page's download link)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router

from yilian.files.models import FileAsset
from yilian.files.views import serve_file

from ..errors import errors
from ..schemas import ref

router = Router(tags=["files"])


def file_out(asset: FileAsset) -> dict[str, Any]:
    return {
        "id": asset.public_id,
        "name": asset.original_name,
        "purpose": asset.purpose,
        "size": asset.size,
        "mime_type": asset.mime_type,
        "sha256": asset.sha256,
        "uploaded_by": ref(asset.owner),
        "created_at": asset.created_at,
        "download_url": reverse("api-1:download_file", args=[asset.public_id]),
    }


# The bytes come with the file's own type (PDF, JPEG, MP4 …).
_BINARY = {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}


@router.get(
    "/{file_id}",
    response={**errors()},
    url_name="download_file",
    summary="Download a file",
    description=(
        "The file's bytes with its own content type; `Range: bytes=…` gives 206 (a part) "
        "or 416. Every download is recorded in the audit trail."
    ),
    openapi_extra={
        "responses": {
            "200": {"description": "The file", **_BINARY},
            "206": {"description": "The requested range", **_BINARY},
            "416": {"description": "The range lies outside the file"},
        }
    },
)
def download_file(request: HttpRequest, file_id: UUID) -> HttpResponse:
    return serve_file(request, file_id)
