"""Writes of imaging and pathology: resumable uploads (start, receive a chunk, complete),
turning a completed upload into a DICOM study (checked zip, de-identified on request, sent
to Orthanc when configured) or a slide, and the expert's annotations and snapshots."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pydicom
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from pydicom.errors import InvalidDicomError

from yilian.accounts.models import User
from yilian.core import health
from yilian.files import services as files
from yilian.files.models import FileAsset
from yilian.files.validators import DICOM, PNG, TIFF
from yilian.workflow.models import BusinessRequest
from yilian.workflow.selectors import OPINION_FIGURE

from . import archives, deid, orthanc, selectors, slides
from .deid import UidMap
from .models import Annotation, Instance, OrthancState, Series, Slide, Snapshot, Study, Upload

log = logging.getLogger(__name__)

SOURCE = "imaging-source"
INSTANCE = "dicom"
SLIDE = "slide"
SNAPSHOT = OPINION_FIGURE  # printed with the opinion
_PIECE = 64 * 1024


def max_bytes() -> int:
    return int(settings.YILIAN_IMAGING_MAX_MB) * 1024 * 1024


def chunk_bytes() -> int:
    return int(settings.YILIAN_UPLOAD_CHUNK_MB) * 1024 * 1024


def partial_dir() -> Path:
    # Beside the file store, not in it: a partial file is never a stored file.
    folder = Path(settings.MEDIA_ROOT).parent / "partial-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def partial_path(upload: Upload) -> Path:
    return partial_dir() / upload.public_id.hex


# --- resumable uploads ------------------------------------------------------------------


def start_upload(
    request: BusinessRequest,
    *,
    actor: User,
    kind: str,
    name: str,
    size: int,
    deidentify: bool = True,
) -> Upload:
    """Open an upload of ``size`` bytes for ``request``; the bytes follow in chunks."""
    if not selectors.may_upload(actor, request):
        raise PermissionDenied(_("You may not add files here."))
    errors: dict[str, str] = {}
    if kind not in Upload.Kind.values:
        errors["kind"] = _("Choose what you are sending: a DICOM study or a pathology slide.")
    if size <= 0:
        errors["size"] = _("“%(name)s” is empty.") % {"name": name}
    elif size > max_bytes():
        errors["size"] = _("“%(name)s” is %(size)s; files may be at most %(limit)s.") % {
            "name": name,
            "size": filesizeformat(size),
            "limit": filesizeformat(max_bytes()),
        }
    if errors:
        raise ValidationError(errors)
    upload = Upload.objects.create(
        owner=actor,
        request=request,
        kind=kind,
        name=files._clean_name(name),
        size=size,
        deidentify=deidentify if kind == Upload.Kind.DICOM else False,
    )
    partial_path(upload).touch()
    return upload


class OffsetMismatch(Exception):
    """The chunk does not start where the upload stands; ``received`` says where it does."""

    def __init__(self, received: int) -> None:
        super().__init__(received)
        self.received = received


def receive_chunk(
    upload: Upload, *, actor: User, offset: int, body: IO[bytes], length: int, sha256: str = ""
) -> Upload:
    """Append ``length`` bytes read from ``body`` at ``offset``. The chunk must start where
    the upload stands (``OffsetMismatch`` otherwise: the client resumes from there), fit in
    the announced size and, when ``sha256`` is given, match it; a chunk that fails is cut
    off again, so the partial file only ever holds checked bytes up to ``received``."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.owner_id != actor.pk:
            raise PermissionDenied
        if upload.status != Upload.Status.OPEN:
            raise ValidationError(_("This upload is finished; start a new one."), code="closed")
        if offset != upload.received:
            raise OffsetMismatch(upload.received)
        if length <= 0 or length > chunk_bytes() or offset + length > upload.size:
            raise ValidationError(_("This piece of the file does not fit."), code="chunk_size")
        path = partial_path(upload)
        digest = hashlib.sha256()
        written = 0
        with open(path, "r+b" if path.exists() else "w+b") as out:
            out.truncate(offset)
            out.seek(offset)
            while written < length:
                piece = body.read(min(_PIECE, length - written))
                if not piece:
                    break
                digest.update(piece)
                out.write(piece)
                written += len(piece)
            if written != length or (sha256 and digest.hexdigest() != sha256.lower()):
                out.truncate(offset)
                raise ValidationError(
                    _("A piece of the file arrived damaged; it will be sent again."),
                    code="chunk_checksum",
                )
            out.flush()
            os.fsync(out.fileno())
        Upload.objects.filter(pk=upload.pk).update(
            received=F("received") + length, updated_at=timezone.now()
        )
        upload.refresh_from_db()
        return upload


STALE_AFTER = timedelta(days=7)
# Processing a completed upload takes minutes; one still "processing" after this was cut
# short (a crash, a restart) and will never finish.
PROCESSING_STALE_AFTER = timedelta(hours=6)


def purge_stale_uploads(
    *,
    older_than: timedelta = STALE_AFTER,
    processing_older_than: timedelta = PROCESSING_STALE_AFTER,
) -> int:
    """Give up uploads nobody has continued for ``older_than`` and uploads whose processing
    started more than ``processing_older_than`` ago and never ended: their partial files are
    deleted and they are marked refused. Returns how many."""
    now = timezone.now()
    given_up = 0
    for status, cutoff, message in (
        (Upload.Status.OPEN, now - older_than, _("Not continued in time.")),
        (Upload.Status.PROCESSING, now - processing_older_than, _("Processing did not finish.")),
    ):
        stale = list(
            Upload.objects.filter(status=status, updated_at__lt=cutoff).values_list(
                "pk", "public_id"
            )
        )
        for pk, public_id in stale:
            if Upload.objects.filter(pk=pk, status=status, updated_at__lt=cutoff).update(
                status=Upload.Status.FAILED, error=message
            ):
                (partial_dir() / public_id.hex).unlink(missing_ok=True)
                given_up += 1
    return given_up


def _fail(upload: Upload, message: str) -> None:
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.FAILED, error=message[:2000])
    partial_path(upload).unlink(missing_ok=True)


def complete_upload(upload: Upload, *, actor: User) -> Study | Slide:
    """Turn a fully received upload into a study or a slide. A refused file (wrong type, an
    unsafe archive, nothing readable) raises ``ValidationError`` with the reason, and the
    upload is marked refused; nothing of it is kept."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().select_related("request").get(pk=upload.pk)
        if upload.owner_id != actor.pk:
            raise PermissionDenied
        if upload.status != Upload.Status.OPEN:
            raise ValidationError(_("This upload is finished; start a new one."), code="closed")
        if upload.received != upload.size:
            raise ValidationError(
                _("The file is not complete yet (%(got)s of %(size)s).")
                % {"got": filesizeformat(upload.received), "size": filesizeformat(upload.size)},
                code="incomplete",
            )
        if not selectors.may_upload(actor, upload.request):
            raise PermissionDenied(_("You may not add files here."))
        # Taken by this completion: a second one (a double click) finds it finished.
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.PROCESSING, updated_at=timezone.now()
        )
    path = partial_path(upload)
    try:
        with open(path, "rb") as handle:
            wrapped = UploadedFile(handle, name=upload.name, size=upload.size)
            if upload.kind == Upload.Kind.SLIDE:
                result: Study | Slide = add_slide(upload.request, wrapped, actor=actor)
            else:
                result = add_study(
                    upload.request, wrapped, actor=actor, deidentify=upload.deidentify
                )
    except ValidationError as exc:
        _fail(upload, " ".join(exc.messages))
        raise
    except Exception:
        _fail(upload, _("The file could not be processed."))
        raise
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.DONE)
    path.unlink(missing_ok=True)
    if isinstance(result, Study) and orthanc.configured():
        send_to_orthanc(result)
    return result


def send_waiting_studies() -> tuple[int, int]:
    """Send the studies that could not reach Orthanc (it was down) now that it may be back:
    (sent, still waiting)."""
    waiting_studies = Study.objects.filter(orthanc=OrthancState.FAILED).order_by("created_at")
    if not orthanc.configured():
        return 0, 0
    if not health.status("orthanc", fresh=True).up:
        return 0, waiting_studies.count()
    sent = waiting = 0
    for study in waiting_studies:
        if send_to_orthanc(study):
            sent += 1
        else:
            waiting += 1
    return sent, waiting


def _store(
    upload: UploadedFile, *, owner: User, target: Any, purpose: str, types: set[str]
) -> FileAsset:
    return files.store_upload(
        upload,
        owner=owner,
        target=target,
        purpose=purpose,
        allowed_types=types,
        max_bytes=max_bytes(),
        check_access=False,  # authorised by the caller (may_upload / may_annotate)
    )


# --- slides -----------------------------------------------------------------------------


def add_slide(request: BusinessRequest, source: UploadedFile, *, actor: User) -> Slide:
    """Store ``source`` on ``request`` as a slide if OpenSlide can open it. The caller has
    authorised the write (``may_upload``)."""
    with transaction.atomic():
        asset = _store(source, owner=actor, target=request, purpose=SLIDE, types={TIFF})
        try:
            info = slides.inspect(default_storage.path(asset.storage_key))
        except Exception as exc:
            key = asset.storage_key
            transaction.on_commit(lambda: default_storage.delete(key))
            default_storage.delete(key)
            raise ValidationError(
                _("“%(name)s” is not a slide that can be opened (SVS, TIFF or NDPI).")
                % {"name": source.name},
                code="slide",
            ) from exc
        return Slide.objects.create(
            request=request,
            file=asset,
            uploaded_by=actor,
            width=info.width,
            height=info.height,
            levels=info.levels,
            vendor=info.vendor[:40],
            mpp=info.mpp,
        )


# --- DICOM studies ----------------------------------------------------------------------


def _datasets(source: UploadedFile, name: str) -> Iterator[pydicom.Dataset]:
    """The DICOM datasets in the upload: one file, or every DICOM file in a checked zip
    (other members — a DICOMDIR, a viewer program, notes — are skipped)."""
    source.seek(0)
    if zipfile.is_zipfile(source):
        source.seek(0)
        try:
            archive = zipfile.ZipFile(source)
        except zipfile.BadZipFile as exc:
            raise ValidationError(_("“%(name)s” is a damaged zip file.") % {"name": name}) from exc
        with archive:
            members = archives.check_archive(archive)
            for info, handle in archives.iter_members(archive, members):
                try:
                    data = handle.read()
                except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                    raise ValidationError(
                        _("“%(name)s” is a damaged zip file (at “%(entry)s”).")
                        % {"name": name, "entry": info.filename[:120]},
                        code="zip_damaged",
                    ) from exc
                try:
                    ds = pydicom.dcmread(io.BytesIO(data))
                except (InvalidDicomError, EOFError, ValueError, TypeError):
                    continue
                if "PixelData" in ds and "SOPInstanceUID" in ds:
                    yield ds
        return
    source.seek(0)
    try:
        ds = pydicom.dcmread(source)
    except (InvalidDicomError, EOFError, ValueError, TypeError) as exc:
        raise ValidationError(
            _("“%(name)s” is not a DICOM file or a zip of DICOM files.") % {"name": name},
            code="dicom",
        ) from exc
    yield ds


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _position(ds: pydicom.Dataset) -> float | None:
    position = ds.get("ImagePositionPatient")
    if position is not None and len(position) == 3:
        try:
            return float(position[2])
        except (TypeError, ValueError):
            return None
    location = ds.get("SliceLocation")
    try:
        return float(location) if location not in (None, "") else None
    except (TypeError, ValueError):
        return None


UID_PATTERN = re.compile(r"[0-9.]{1,64}")
_UID_KEYWORDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")


def _check_uids(ds: pydicom.Dataset, name: str) -> None:
    """The UIDs that name the study, series and image are digits and dots, at most 64 (PS3.5
    9.1): they end up in Orthanc's URLs and Yilian's database. Anything else is refused."""
    for keyword in _UID_KEYWORDS:
        value = ds.get(keyword)
        if not isinstance(value, str) or not UID_PATTERN.fullmatch(value):
            raise ValidationError(
                _(
                    "“%(name)s” has an invalid %(attribute)s: a DICOM UID is digits and dots, "
                    "at most 64 characters."
                )
                % {"name": name, "attribute": keyword},
                code="dicom_uid",
            )


def add_study(
    request: BusinessRequest, source: UploadedFile, *, actor: User, deidentify: bool
) -> Study:
    """Read the DICOM file or zip ``source``, de-identify it when asked, and store its images
    on a study of ``request`` (joining the study already there with the same original UID).
    The caller has authorised the write (``may_upload``)."""
    source.seek(0)
    head = source.read(264)
    source.seek(0)
    # A DICOM file or a zip, judged by the content (never by the name).
    if head[128:132] != b"DICM" and not zipfile.is_zipfile(source):
        raise ValidationError(
            _("“%(name)s” is not a DICOM file or a zip of DICOM files.") % {"name": source.name},
            code="dicom",
        )
    source.seek(0)
    studies: dict[str, Study] = {}
    maps: dict[str, UidMap] = {}
    count = 0
    with transaction.atomic():
        for ds in _datasets(source, source.name or ""):
            _check_uids(ds, source.name or "")
            if deidentify and deid.burned_in_text(ds):
                raise ValidationError(
                    _(
                        "“%(name)s” has patient details burned into the image pixels (Burned "
                        "In Annotation: YES), which de-identification cannot remove. Leave "
                        "those images out, or send them without de-identification if sharing "
                        "identified images is permitted."
                    )
                    % {"name": source.name},
                    code="burned_in",
                )
            source_uid = str(ds.StudyInstanceUID)[:64]
            study = studies.get(source_uid)
            if study is None:
                study = (
                    Study.objects.select_for_update()
                    .filter(
                        request=request,
                        source_uid=source_uid,
                        deidentified=deidentify,
                    )
                    .first()
                )
                if study is None:
                    study = Study(
                        request=request,
                        uploaded_by=actor,
                        source_uid=source_uid,
                        deidentified=deidentify,
                        # Descriptions are free text that may name the patient: a
                        # de-identified study keeps none (the profile removes them).
                        description="" if deidentify else str(ds.get("StudyDescription", ""))[:200],
                        modality=str(ds.get("Modality", ""))[:40],
                    )
                studies[source_uid] = study
                maps[source_uid] = UidMap(study.uid_map)
            if deidentify:
                deid.deidentify(ds, maps[source_uid])
            series_description = str(ds.get("SeriesDescription", ""))[:200]
            study.study_uid = str(ds.StudyInstanceUID)[:64]
            if study.pk is None:
                study.save()
            buffer = io.BytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            data = buffer.getvalue()
            asset = _store(
                SimpleUploadedFile(f"{ds.SOPInstanceUID}.dcm", data, DICOM),
                owner=actor,
                target=study,
                purpose=INSTANCE,
                types={DICOM},
            )
            series, _created = Series.objects.get_or_create(
                study=study,
                series_uid=str(ds.SeriesInstanceUID)[:64],
                defaults={
                    "number": _number(ds.get("SeriesNumber")),
                    "description": series_description,
                    "modality": str(ds.get("Modality", ""))[:16],
                },
            )
            Instance.objects.create(
                series=series,
                file=asset,
                sop_uid=str(ds.SOPInstanceUID)[:64],
                number=_number(ds.get("InstanceNumber")),
                position=_position(ds),
                rows=int(ds.get("Rows", 0) or 0),
                columns=int(ds.get("Columns", 0) or 0),
            )
            count += 1
        if not count:
            raise ValidationError(
                _("“%(name)s” holds no DICOM images.") % {"name": source.name}, code="empty"
            )
        for source_uid, study in studies.items():
            study.uid_map = maps[source_uid].as_dict() if study.deidentified else {}
            study.instance_count = Instance.objects.filter(series__study=study).count()
            study.save(update_fields=["uid_map", "instance_count", "study_uid", "updated_at"])
        first = next(iter(studies.values()))
    return first


def send_to_orthanc(study: Study) -> bool:
    """STOW-RS every image of ``study`` to Orthanc; records whether it worked. While Orthanc
    is known to be down the study is marked waiting at once (``send_waiting_studies`` sends
    it later); its files are kept here either way."""
    if not health.available("image_archive"):
        Study.objects.filter(pk=study.pk).update(orthanc=OrthancState.FAILED)
        study.orthanc = OrthancState.FAILED
        return False
    instances = Instance.objects.filter(series__study=study).select_related("file")

    def payloads() -> Iterator[bytes]:
        for instance in instances:
            with default_storage.open(instance.file.storage_key, "rb") as handle:
                yield handle.read()

    try:
        orthanc.stow(payloads())
    except OSError as exc:
        log.warning("Orthanc refused study %s: %s", study.public_id, exc)
        Study.objects.filter(pk=study.pk).update(orthanc=OrthancState.FAILED)
        study.orthanc = OrthancState.FAILED
        return False
    Study.objects.filter(pk=study.pk).update(orthanc=OrthancState.SENT)
    study.orthanc = OrthancState.SENT
    return True


# --- annotations and snapshots ----------------------------------------------------------


def _region(slide: Slide, x: int, y: int, width: int, height: int) -> tuple[int, int, int, int]:
    x, y = max(0, int(x)), max(0, int(y))
    width = min(int(width), slide.width - x)
    height = min(int(height), slide.height - y)
    if x >= slide.width or y >= slide.height or width <= 0 or height <= 0:
        raise ValidationError(_("The marked region is outside the slide."), code="region")
    return x, y, width, height


def add_annotation(
    slide: Slide, *, actor: User, x: int, y: int, width: int, height: int, comment: str
) -> Annotation:
    if not selectors.may_annotate(actor, slide.request):
        raise PermissionDenied(_("Only the request's experts mark slides."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Write what the marked region shows.")})
    x, y, width, height = _region(slide, x, y, width, height)
    return Annotation.objects.create(
        slide=slide, author=actor, x=x, y=y, width=width, height=height, comment=comment[:4000]
    )


SNAPSHOT_PIXELS = 1600


def save_snapshot(
    slide: Slide, *, actor: User, x: int, y: int, width: int, height: int, caption: str = ""
) -> Snapshot:
    """Render the region from the slide (OpenSlide ``read_region`` at the best level) and keep
    it as a PNG on the request, for the opinion."""
    if not selectors.may_annotate(actor, slide.request):
        raise PermissionDenied(_("Only the request's experts keep snapshots."))
    x, y, width, height = _region(slide, x, y, width, height)
    png = slides.region_png(slide.file.storage_key, x, y, width, height, SNAPSHOT_PIXELS)
    with transaction.atomic():
        asset = _store(
            SimpleUploadedFile(f"{(caption or '').strip() or 'snapshot'}.png", png, PNG),
            owner=actor,
            target=slide.request,
            purpose=SNAPSHOT,
            types={PNG},
        )
        return Snapshot.objects.create(
            slide=slide,
            author=actor,
            file=asset,
            x=x,
            y=y,
            width=width,
            height=height,
            caption=(caption or "").strip()[:200],
        )
