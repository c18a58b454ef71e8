"""Printable documents (opinions, admission letters) rendered to PDF by WeasyPrint.

Templates extend ``pdf/base.html`` (A4, margins for binding, a space for the hospital's
stamp). Chinese renders with the CJK font named by ``YILIAN_PDF_FONTS`` — Debian's
``fonts-wqy-microhei`` or ``fonts-noto-cjk`` — which WeasyPrint embeds in the file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """The PDF of ``template_name`` rendered with ``context`` (no request: no user data
    leaks in from context processors)."""
    from weasyprint import HTML  # imported late: Pango loads only when a PDF is made

    html = render_to_string(template_name, {**context, "pdf_fonts": settings.YILIAN_PDF_FONTS})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(template_name: str, context: dict[str, Any], filename: str) -> HttpResponse:
    """A download of the rendered PDF, never cached by a shared proxy."""
    response = HttpResponse(render_pdf(template_name, context), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    return response


def placeholder_pdf(text: str) -> bytes:
    """A tiny valid one-page PDF saying ``text`` (ASCII): stands in for a scanned document
    in demo data and tests, without rendering."""
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
