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
