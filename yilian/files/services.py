"""Storing and removing uploaded files."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User

from . import access
from .models import FileAsset
from .validators import DOCUMENTS, check_upload

# How long stored bytes without a row are kept before ``purge_orphans`` removes them.
ORPHAN_GRACE = timedelta(hours=24)
_NAME_LIMIT = FileAsset._meta.get_field("original_name").max_length or 255


def _storage_key() -> str:
    # A random key, no file name: nothing about the patient or the file is in the path.
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def _clean_name(name: str) -> str:
    name = (name or "file").replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > _NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        keep = _NAME_LIMIT - len(ext) - 1 if dot and len(ext) < 16 else _NAME_LIMIT
        name = f"{stem[:keep]}.{ext}" if dot and len(ext) < 16 else name[:_NAME_LIMIT]
    return name


def store_upload(
    upload: UploadedFile,
    *,
    owner: User,
    target: models.Model,
    purpose: str = "",
    allowed_types: Iterable[str] = DOCUMENTS,
    max_bytes: int | None = None,
    check_access: bool = True,
) -> FileAsset:
    """Check ``upload`` (size; type sniffed from its content), store it under a random key
    outside the web root and record it on ``target``. Raises ``ValidationError`` for a bad
    file and ``PermissionDenied`` when ``owner`` may not attach files to ``target`` (pass
    ``check_access=False`` only from a service that has already authorised the write, such
    as creating the target itself). If recording the row fails the bytes are deleted; if an
    enclosing transaction rolls back later, the bytes stay without a row until
    ``purge_orphans`` removes them.
    """
    if check_access and not access.may_attach(owner, target):
        raise PermissionDenied(_("You may not add files here."))
    mime = check_upload(upload, allowed_types, max_bytes)

    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    key = default_storage.save(_storage_key(), File(upload))
    try:
        with transaction.atomic():
            return FileAsset.objects.create(
                owner=owner,
                hospital=owner.hospital,
                target_type=ContentType.objects.get_for_model(target),
                target_id=target.pk,
                purpose=purpose,
                original_name=_clean_name(upload.name or ""),
                size=upload.size or 0,
                sha256=digest.hexdigest(),
                mime_type=mime,
                storage_key=key,
            )
    except BaseException:
        default_storage.delete(key)
        raise


def remove_file(asset: FileAsset, *, actor: User) -> None:
    """Delete ``asset`` (its row, then its bytes once the deletion is committed). Only the
    person who uploaded it may, and only while they may still attach files to its object."""
    target = asset.target
    if target is None or not access.may_read(actor, target):
        raise Http404
    if asset.purpose:
        raise PermissionDenied(
            _("This file is part of the application; change it by editing the application.")
        )
    if asset.owner_id != actor.pk or not access.may_attach(actor, target):
        raise PermissionDenied(
            _(
                "Only the person who added a file may remove it, "
                "and only while files can still be added here."
            )
        )
    key = asset.storage_key
    with transaction.atomic():
        asset.delete()
        transaction.on_commit(lambda: default_storage.delete(key))


def purge_orphans(*, older_than: timedelta = ORPHAN_GRACE, now: datetime | None = None) -> int:
    """Delete stored files that no ``FileAsset`` row names (their transaction rolled back)
    once they are older than ``older_than`` — younger ones may belong to an upload that is
    still being committed. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - older_than
    known = set(FileAsset.objects.values_list("storage_key", flat=True))
    removed = 0
    for key in _stored_keys(""):
        if key in known or default_storage.get_modified_time(key) >= cutoff:
            continue
        default_storage.delete(key)
        removed += 1
    return removed


def _stored_keys(folder: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _stored_keys(f"{folder}/{sub}" if folder else sub)
