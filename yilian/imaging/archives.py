"""Opening zip archives safely: every member is checked before anything is extracted (count,
total size, compression ratio, names that would leave the folder, links), and extraction
counts the bytes it really writes rather than trusting the headers."""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_files: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=int(settings.YILIAN_ZIP_MAX_MB) * 1024 * 1024,
            max_files=int(settings.YILIAN_ZIP_MAX_FILES),
            max_ratio=int(settings.YILIAN_ZIP_MAX_RATIO),
        )


def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name or name.startswith(("/", "\\")) or "\\" in name:
        return True
    path = PurePosixPath(name)
    return ".." in path.parts or (len(name) > 1 and name[1] == ":")


def check_archive(archive: zipfile.ZipFile, limits: Limits | None = None) -> list[zipfile.ZipInfo]:
    """The archive's file members if the archive keeps every limit; ``ValidationError`` with
    a message naming the problem otherwise. Nothing is extracted here."""
    limits = limits or Limits.from_settings()
    members = archive.infolist()
    if len(members) > limits.max_files:
        raise ValidationError(
            _("The archive holds %(count)d entries; at most %(limit)d are accepted.")
            % {"count": len(members), "limit": limits.max_files},
            code="zip_count",
        )
    total = 0
    files = []
    for info in members:
        if _unsafe_name(info.filename):
            raise ValidationError(
                _("The archive was refused: the entry “%(name)s” points outside its folder.")
                % {"name": info.filename[:120]},
                code="zip_path",
            )
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ValidationError(
                _("The archive was refused: the entry “%(name)s” is a link.")
                % {"name": info.filename[:120]},
                code="zip_link",
            )
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise ValidationError(
                _("The archive was refused: “%(name)s” is encrypted.")
                % {"name": info.filename[:120]},
                code="zip_encrypted",
            )
        total += info.file_size
        if info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ValidationError(
                _(
                    "The archive was refused: “%(name)s” expands more than %(ratio)d times "
                    "(a zip bomb?)."
                )
                % {"name": info.filename[:120], "ratio": limits.max_ratio},
                code="zip_ratio",
            )
        files.append(info)
    if total > limits.max_bytes:
        raise ValidationError(
            _("The archive expands to %(size)s; at most %(limit)s are accepted.")
            % {"size": filesizeformat(total), "limit": filesizeformat(limits.max_bytes)},
            code="zip_size",
        )
    return files


def iter_members(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> Iterator[tuple[zipfile.ZipInfo, IO[bytes]]]:
    """Open each checked member in turn, refusing any that yields more bytes than its header
    said (a forged header) — the caller reads it before asking for the next."""
    for info in members:
        with archive.open(info) as handle:
            yield info, _Capped(handle, info.file_size)  # type: ignore[misc]


class _Capped:
    """A reader that fails once more than ``limit`` bytes came out."""

    def __init__(self, handle: IO[bytes], limit: int) -> None:
        self.handle = handle
        self.limit = limit
        self.seen = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.seen += len(data)
        if self.seen > self.limit:
            raise ValidationError(
                _("The archive was refused: an entry is larger than it claims."),
                code="zip_forged",
            )
        return data
