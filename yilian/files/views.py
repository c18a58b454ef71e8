"""Downloading, adding and removing files — each authorised by the object the file is on."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yilian.audit import services as audit
from yilian.audit.models import AuditAction, Outcome

from . import access, selectors, services
from .forms import UploadForm
from .validators import IMAGES, PDF

# Shown in the browser (previews) rather than saved; everything else downloads.
_INLINE = IMAGES | {PDF}

# One byte range ("bytes=0-99", "bytes=100-", "bytes=-50"); several ranges are answered
# with the whole file, as RFC 9110 allows.
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte positions ``header`` asks of a ``size``-byte file;
    None to send the whole file (no header, or one we ignore); raises
    ``RangeNotSatisfiable`` for a range wholly outside the file."""
    match = _RANGE.match(header.strip())
    if match is None or match.group(0) == "bytes=-":
        return None
    first, last = match.groups()
    if not first:  # the last N bytes
        count = int(last)
        if count == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - count, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        raise RangeNotSatisfiable
    end = int(last) if last else size - 1
    return start, min(end, size - 1)


class _Slice:
    """``length`` bytes of an open file from its current position (a file-like for
    FileResponse)."""

    def __init__(self, handle: Any, length: int) -> None:
        self.handle = handle
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


@require_GET
def download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A file for whoever may read its object. Files whose object's policy makes them public
    (a published health-education video) need no login; any other file asks for one."""
    if request.user.is_authenticated:
        return serve_file(request, public_id)
    try:
        asset = selectors.find_file(public_id)
    except Http404:
        asset = None  # asked to sign in, as for a file that exists: no oracle
    target = asset.target if asset is not None else None
    if asset is None or target is None or not access.is_public(target):
        return redirect_to_login(request.get_full_path())
    # Public material is not patient data: anonymous reads leave no audit entry
    # (a phone seeking through a video makes many range requests).
    return file_response(request, asset)


def serve_file(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The file if ``request.user`` may read the object it is on (audited either way; 404
    otherwise), with range support. The page's download and the API's both answer so."""
    asset = selectors.find_file(public_id)
    allowed = selectors.may_read_file(request.user, asset)
    audit.record(
        request,
        action=AuditAction.DOWNLOAD,
        target=asset,
        patient=audit.patient_of(asset.target),
        outcome=Outcome.OK if allowed else Outcome.DENIED,
    )
    if not allowed:
        raise Http404  # as for a file that does not exist
    return file_response(request, asset)


def file_response(request: HttpRequest, asset: Any) -> HttpResponse:
    """The bytes of a file the caller may read: inline or attached, ranges, strict headers."""
    inline = request.GET.get("inline") == "1" and asset.mime_type in _INLINE
    if settings.YILIAN_X_ACCEL_PREFIX:
        # nginx streams the bytes from its internal location (and answers Range requests
        # itself); the application only decides.
        response: HttpResponse = HttpResponse(content_type=asset.mime_type)
        response["X-Accel-Redirect"] = settings.YILIAN_X_ACCEL_PREFIX + asset.storage_key
    else:
        response = _stream(request, asset)
        if response.status_code == 416:
            return response
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(
        not inline, asset.original_name
    ) or ("inline" if inline else "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def _stream(request: HttpRequest, asset: Any) -> HttpResponse:
    """The file's bytes: all of them (200), or the one range the request asks (206 with
    Content-Range; 416 when the range lies outside the file) — so players can seek."""
    try:
        wanted = byte_range(request.headers.get("Range", ""), asset.size)
    except RangeNotSatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{asset.size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    try:
        handle = default_storage.open(asset.storage_key, "rb")
    except FileNotFoundError:
        raise Http404 from None
    if wanted is None:
        response = FileResponse(handle, content_type=asset.mime_type)
        response["Content-Length"] = str(asset.size)
        return response
    first, last = wanted
    handle.seek(first)
    response = FileResponse(_Slice(handle, last - first + 1), content_type=asset.mime_type)
    response.status_code = 206
    response["Content-Range"] = f"bytes {first}-{last}/{asset.size}"
    response["Content-Length"] = str(last - first + 1)
    return response


def _target(label: str, public_id: UUID) -> models.Model:
    model = access.target_model(label)
    if model is None:
        raise Http404
    try:
        return model._default_manager.get(public_id=public_id)
    except (ObjectDoesNotExist, ValidationError) as exc:
        raise Http404 from exc


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _block(request: HttpRequest, target: models.Model, form: UploadForm, status: int = 200):
    return render(
        request,
        "files/_attachments.html",
        attachments_context(request.user, target, form=form, next_url=_back(request, "")),
        status=status,
    )


def attachments_context(
    user: Any, target: models.Model, *, form: UploadForm | None = None, next_url: str = ""
) -> dict[str, Any]:
    """What the attachments block shows for ``target`` (the caller has authorised reading)."""
    return {
        "target": target,
        "target_label": target._meta.label_lower,
        # Files an application form asked for (a licence, a form field) are shown with the
        # application; this block holds the free attachments.
        "files": selectors.files_for(target, purpose=""),
        "may_attach": access.may_attach(user, target),
        "form": form or UploadForm(),
        "next_url": next_url,
    }


@require_POST
@login_required
def upload(request: HttpRequest, label: str, public_id: UUID) -> HttpResponse:
    target = _target(label, public_id)
    if not access.may_read(request.user, target):
        raise Http404
    if not access.may_attach(request.user, target):
        raise PermissionDenied(_("You may not add files here."))
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.store_upload(
                form.cleaned_data["file"],
                owner=request.user,
                target=target,
            )  # a loose attachment: only application services give a file a purpose
        except ValidationError as exc:
            form.add_error("file", exc)
    if form.errors:
        if request.htmx:
            return _block(request, target, form, status=422)
        for error in form.errors.get("file", []):
            messages.error(request, error)
    elif not request.htmx:
        messages.success(request, _("The file was added."))
    if request.htmx:
        return _block(request, target, UploadForm())
    return redirect(_back(request, "/"))


@require_POST
@login_required
def remove(request: HttpRequest, public_id: UUID) -> HttpResponse:
    asset = selectors.get_file_for_user(request.user, public_id)
    target = asset.target
    services.remove_file(asset, actor=request.user)
    if request.htmx and target is not None:
        return _block(request, target, UploadForm())
    messages.success(request, _("The file was removed."))
    return redirect(_back(request, "/"))
