"""Rendering one DICOM image to PNG with a window (centre/width in Hounsfield units for CT):
the viewer asks for a slice with a preset and gets a picture a phone can show."""

from __future__ import annotations

import io

import numpy as np
import pydicom
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image

# name -> (label, centre, width)
PRESETS: dict[str, tuple[object, float, float]] = {
    "default": (_("Default"), 0, 0),
    "lung": (_("Lung"), -600, 1500),
    "bone": (_("Bone"), 400, 1800),
    "brain": (_("Brain"), 40, 80),
    "abdomen": (_("Abdomen"), 40, 400),
}


def _first(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, pydicom.multival.MultiValue):
        value = value[0] if len(value) else None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def window_of(preset: str) -> tuple[float, float] | None:
    """The (centre, width) of a preset; None for the file's own window."""
    _label, centre, width = PRESETS.get(preset, PRESETS["default"])
    return (centre, width) if width else None


def render_png(storage_key: str, preset: str = "default") -> bytes:
    with default_storage.open(storage_key, "rb") as handle:
        ds = pydicom.dcmread(handle)
    pixels = ds.pixel_array.astype(np.float32)
    if pixels.ndim == 3 and ds.get("SamplesPerPixel", 1) == 1:
        pixels = pixels[0]  # a multi-frame image: its first frame
    slope = _first(ds.get("RescaleSlope")) or 1.0
    intercept = _first(ds.get("RescaleIntercept")) or 0.0
    values = pixels * slope + intercept
    _label, centre, width = PRESETS.get(preset, PRESETS["default"])
    if not width:
        centre = _first(ds.get("WindowCenter")) or 0.0
        width = _first(ds.get("WindowWidth")) or 0.0
    if not width:
        low, high = float(values.min()), float(values.max())
    else:
        low, high = centre - width / 2, centre + width / 2
    scaled = np.clip((values - low) / max(high - low, 1e-6), 0, 1) * 255
    if ds.get("PhotometricInterpretation") == "MONOCHROME1":
        scaled = 255 - scaled
    image = Image.fromarray(scaled.astype(np.uint8))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
