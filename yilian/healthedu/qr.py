"""QR codes of share links, drawn on the server as SVG (segno; no script, no image file)."""

from __future__ import annotations

import io

import segno

SCALE = 5


def make_qr(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: still reads when a printout is creased)."""
    return segno.make(url, error="m", micro=False)


def share_qr_svg(url: str) -> str:
    """Inline SVG markup of ``url``'s QR code, for the staff page."""
    return make_qr(url).svg_inline(scale=SCALE, title=url)


def share_qr_document(url: str) -> bytes:
    """A whole SVG document of ``url``'s QR code, for printing."""
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="svg", scale=SCALE * 2, border=4, xmldecl=True, title=url)
    return buffer.getvalue()
