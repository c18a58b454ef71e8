"""Pages and endpoints of imaging and pathology. Thin: parse, call one selector or service,
render. Studies, slides, tiles and uploads of a request another hospital cannot see are a
404; every opening of a study or a slide is audited."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.audit import services as audit
from yilian.audit.models import AuditAction
from yilian.core import health
from yilian.workflow.selectors import get_request_for_user

from . import orthanc, selectors, services, slides
from . import render as rendering
from .models import OrthancState, Study, Upload

_TILE_SECONDS = 3600


def _error(exc: ValidationError, status: int = 422) -> JsonResponse:
    return JsonResponse({"error": " ".join(exc.messages)}, status=status)


def _upload_json(upload: Upload) -> dict[str, Any]:
    return {
        "id": str(upload.public_id),
        "size": upload.size,
        "received": upload.received,
        "status": upload.status,
        "chunk": services.chunk_bytes(),
        "error": upload.error,
    }


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# --- resumable uploads ------------------------------------------------------------------


@login_required
@require_POST
def upload_start(request: HttpRequest, public_id: UUID) -> JsonResponse:
    business_request = get_request_for_user(request.user, public_id)
    try:
        upload = services.start_upload(
            business_request,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", ""),
            size=_int(request.POST.get("size")),
            deidentify=request.POST.get("deidentify", "1") not in ("0", "", "false"),
        )
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc) or _("You may not add files here.")}, status=403)
    except ValidationError as exc:
        return _error(exc)
    return JsonResponse(_upload_json(upload), status=201)


@login_required
@require_GET
def upload_status(request: HttpRequest, public_id: UUID) -> JsonResponse:
    return JsonResponse(_upload_json(selectors.get_upload_for_user(request.user, public_id)))


@login_required
@require_http_methods(["PUT", "POST"])
def upload_chunk(request: HttpRequest, public_id: UUID) -> JsonResponse:
    upload = selectors.get_upload_for_user(request.user, public_id)
    try:
        upload = services.receive_chunk(
            upload,
            actor=request.user,
            offset=_int(request.headers.get("X-Upload-Offset")),
            body=request,  # read as a stream: a chunk is larger than Django's in-memory limit
            length=_int(request.headers.get("Content-Length")),
            sha256=request.headers.get("X-Chunk-Sha256", ""),
        )
    except services.OffsetMismatch as exc:
        return JsonResponse({"received": exc.received, "error": "offset"}, status=409)
    except ValidationError as exc:
        return _error(exc)
    return JsonResponse(_upload_json(upload))


@login_required
@require_POST
def upload_complete(request: HttpRequest, public_id: UUID) -> JsonResponse:
    upload = selectors.get_upload_for_user(request.user, public_id)
    try:
        result = services.complete_upload(upload, actor=request.user)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc) or _("You may not add files here.")}, status=403)
    except ValidationError as exc:
        return _error(exc)
    audit.record(
        request,
        action=AuditAction.UPLOAD,
        target=result,
        patient=audit.patient_of(upload.request),
    )
    if isinstance(result, Study):
        url = reverse("imaging:study", args=[result.public_id])
    else:
        url = reverse("imaging:slide", args=[result.public_id])
    return JsonResponse({"url": url, "status": "done"})


# --- DICOM ------------------------------------------------------------------------------


@login_required
@require_GET
def study(request: HttpRequest, public_id: UUID) -> HttpResponse:
    item = selectors.get_study_for_user(request.user, public_id)
    audit.record(
        request, action=AuditAction.VIEW, target=item, patient=audit.patient_of(item.request)
    )
    series = selectors.series_of(item)
    context = {
        "study": item,
        "req": item.request,
        "series": series,
        "presets": [(key, label) for key, (label, _c, _w) in rendering.PRESETS.items()],
        "unavailable": health.unavailable("image_archive"),
    }
    return render(request, "imaging/study.html", context)


def _from_orthanc(study: Study, instance: Any, preset: str) -> bytes | None:
    """The slice rendered by Orthanc (WADO-RS) when the study is stored there; None when it
    is not, or Orthanc does not answer (the stored file is rendered instead)."""
    if study.orthanc != OrthancState.SENT or not orthanc.configured():
        return None
    if not health.available("image_archive"):
        return None  # known to be down: no waiting for a timeout on every slice
    try:
        return orthanc.rendered(
            study.study_uid,
            instance.series.series_uid,
            instance.sop_uid,
            rendering.window_of(preset),
        )
    except OSError:
        return None


@login_required
@require_GET
def slice_png(request: HttpRequest, public_id: UUID, file_id: UUID) -> HttpResponse:
    item = selectors.get_study_for_user(request.user, public_id)
    instance = selectors.instance_of(item, file_id)
    preset = request.GET.get("preset", "default")
    if preset not in rendering.PRESETS:
        preset = "default"
    key = f"imaging:slice:{instance.file.sha256}:{preset}"
    png = cache.get(key)
    if png is None:
        png = _from_orthanc(item, instance, preset)
    if png is None:
        try:
            png = rendering.render_png(instance.file.storage_key, preset)
        except (FileNotFoundError, ValueError, AttributeError) as exc:
            raise Http404 from exc
    cache.set(key, png, _TILE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"private, max-age={_TILE_SECONDS}"
    return response


# --- slides -----------------------------------------------------------------------------


def _annotation_json(annotation: Any) -> dict[str, Any]:
    return {
        "id": str(annotation.public_id),
        "x": annotation.x,
        "y": annotation.y,
        "width": annotation.width,
        "height": annotation.height,
        "comment": annotation.comment,
        "author": annotation.author.name,
        "at": annotation.created_at.isoformat(),
    }


@login_required
@require_GET
def slide(request: HttpRequest, public_id: UUID) -> HttpResponse:
    item = selectors.get_slide_for_user(request.user, public_id)
    audit.record(
        request, action=AuditAction.VIEW, target=item, patient=audit.patient_of(item.request)
    )
    annotations = selectors.annotations_of(item)
    context = {
        "slide": item,
        "req": item.request,
        "annotations": annotations,
        "snapshots": [s for s in selectors.snapshots_of(item.request) if s.slide_id == item.pk],
        "may_annotate": selectors.may_annotate(request.user, item.request),
    }
    return render(request, "imaging/slide.html", context)


@login_required
@require_GET
def slide_dzi(request: HttpRequest, public_id: UUID) -> HttpResponse:
    item = selectors.get_slide_for_user(request.user, public_id)
    response = HttpResponse(slides.dzi(item.file.storage_key), content_type="application/xml")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def slide_tile(
    request: HttpRequest, public_id: UUID, level: int, col: int, row: int
) -> HttpResponse:
    item = selectors.get_slide_for_user(request.user, public_id)
    key = f"imaging:tile:{item.file.sha256}:{level}:{col}:{row}"
    data = cache.get(key)
    if data is None:
        try:
            data = slides.tile(item.file.storage_key, level, col, row)
        except ValueError as exc:
            raise Http404 from exc
        cache.set(key, data, _TILE_SECONDS)
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = f"private, max-age={_TILE_SECONDS}"
    response["ETag"] = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    return response


def _region_args(data: Any) -> dict[str, int]:
    return {name: _int(data.get(name)) for name in ("x", "y", "width", "height")}


@login_required
@require_http_methods(["GET", "POST"])
def annotations(request: HttpRequest, public_id: UUID) -> JsonResponse:
    item = selectors.get_slide_for_user(request.user, public_id)
    if request.method == "POST":
        try:
            services.add_annotation(
                item,
                actor=request.user,
                comment=request.POST.get("comment", ""),
                **_region_args(request.POST),
            )
        except PermissionDenied as exc:
            return JsonResponse({"error": str(exc)}, status=403)
        except ValidationError as exc:
            return _error(exc)
    return JsonResponse(
        {"annotations": [_annotation_json(a) for a in selectors.annotations_of(item)]},
        status=201 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def snapshot(request: HttpRequest, public_id: UUID) -> JsonResponse:
    item = selectors.get_slide_for_user(request.user, public_id)
    try:
        shot = services.save_snapshot(
            item,
            actor=request.user,
            caption=request.POST.get("caption", ""),
            **_region_args(request.POST),
        )
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    except ValidationError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "id": str(shot.public_id),
            "url": reverse("files:download", args=[shot.file.public_id]) + "?inline=1",
            "caption": shot.caption,
        },
        status=201,
    )
