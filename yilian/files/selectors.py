"""Scoped reads of files: a file is visible to whoever may read the object it is on."""

from __future__ import annotations

from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

from yilian.accounts.models import User

from . import access
from .models import FileAsset


def files_for(target: models.Model, purpose: str | None = None) -> list[FileAsset]:
    """The files on ``target`` (optionally of one purpose), oldest first. The caller has
    already authorised reading ``target``."""
    qs = FileAsset.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).select_related("owner")
    if purpose is not None:
        qs = qs.filter(purpose=purpose)
    return list(qs)


def find_file(public_id: UUID | str) -> FileAsset:
    """The file, whoever asks (404 if there is none): the caller decides who may have it
    (``may_read_file``)."""
    try:
        return FileAsset.objects.select_related("target_type").get(public_id=public_id)
    except (FileAsset.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def may_read_file(user: User, asset: FileAsset) -> bool:
    target = asset.target
    return target is not None and access.may_read(user, target)


def get_file_for_user(user: User, public_id: UUID | str) -> FileAsset:
    """The file if ``user`` may read the object it is on; 404 otherwise."""
    asset = find_file(public_id)
    if not may_read_file(user, asset):
        raise Http404
    return asset
