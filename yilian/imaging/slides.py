"""Whole-slide images through OpenSlide: opening a stored slide (handles are cached per
process), Deep Zoom tiles, and regions rendered for snapshots."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

import openslide
from django.core.files.storage import default_storage
from openslide.deepzoom import DeepZoomGenerator
from PIL import Image

TILE_SIZE = 254
OVERLAP = 1
TILE_FORMAT = "jpeg"
_CACHE_SIZE = 8


@dataclass(frozen=True)
class SlideInfo:
    width: int
    height: int
    levels: int
    vendor: str
    mpp: float | None


def _mpp(slide: openslide.OpenSlide) -> float | None:
    props = slide.properties
    if props.get(openslide.PROPERTY_NAME_MPP_X):
        return float(props[openslide.PROPERTY_NAME_MPP_X])
    # Generic TIFF: OpenSlide 3.4 gives no mpp; the resolution tag does (pixels per unit).
    res = props.get("tiff.XResolution")
    unit = props.get("tiff.ResolutionUnit", "")
    try:
        per_unit = float(res) if res else 0.0
    except ValueError:
        return None
    if per_unit <= 0:
        return None
    microns = {"centimeter": 10_000.0, "inch": 25_400.0}.get(unit.lower())
    return microns / per_unit if microns else None


def inspect(path: str) -> SlideInfo:
    """What OpenSlide sees in the file at ``path``; ``openslide.OpenSlideError`` (or
    ``OpenSlideUnsupportedFormatError``) when it cannot read it."""
    slide = openslide.OpenSlide(path)
    try:
        width, height = slide.dimensions
        return SlideInfo(
            width=width,
            height=height,
            levels=slide.level_count,
            vendor=slide.properties.get(openslide.PROPERTY_NAME_VENDOR, "") or "",
            mpp=_mpp(slide),
        )
    finally:
        slide.close()


class _Handles:
    """A small least-recently-used cache of open slides and their Deep Zoom generators."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[openslide.OpenSlide, DeepZoomGenerator]] = OrderedDict()

    def get(self, key: str) -> tuple[openslide.OpenSlide, DeepZoomGenerator]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            slide = openslide.OpenSlide(default_storage.path(key))
            dz = DeepZoomGenerator(slide, tile_size=TILE_SIZE, overlap=OVERLAP, limit_bounds=False)
            self._items[key] = (slide, dz)
            while len(self._items) > _CACHE_SIZE:
                _, (old, _gen) = self._items.popitem(last=False)
                old.close()
            return slide, dz


_handles = _Handles()


def dzi(storage_key: str) -> str:
    _slide, dz = _handles.get(storage_key)
    return dz.get_dzi(TILE_FORMAT)


def tile(storage_key: str, level: int, col: int, row: int) -> bytes:
    """One Deep Zoom tile as JPEG; ``ValueError`` for a tile that does not exist."""
    _slide, dz = _handles.get(storage_key)
    if not 0 <= level < dz.level_count:
        raise ValueError("no such level")
    cols, rows = dz.level_tiles[level]
    if not (0 <= col < cols and 0 <= row < rows):
        raise ValueError("no such tile")
    image = dz.get_tile(level, (col, row)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def region_png(storage_key: str, x: int, y: int, width: int, height: int, longest: int) -> bytes:
    """The region (full-resolution coordinates) as a PNG at most ``longest`` pixels on its
    longer side, read from the best pyramid level."""
    slide, _dz = _handles.get(storage_key)
    scale = max(width, height) / longest if max(width, height) > longest else 1.0
    level = slide.get_best_level_for_downsample(scale)
    down = slide.level_downsamples[level]
    size = (max(1, int(width / down)), max(1, int(height / down)))
    image = slide.read_region((x, y), level, size).convert("RGB")
    if max(image.size) > longest:
        image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
