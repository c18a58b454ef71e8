"""Reading a generated PDF back in tests (poppler-utils: pdftotext, pdffonts)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is needed to read a PDF back"
)


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [tool, str(path), *args], capture_output=True, check=True
        ).stdout.decode()


def pdf_text(pdf: bytes) -> str:
    """The text of the PDF, as a reader would copy it."""
    return _run("pdftotext", pdf, "-")


def embedded_cjk_fonts(pdf: bytes) -> list[str]:
    """The lines of ``pdffonts`` naming a CJK font that is embedded in the file."""
    lines = _run("pdffonts", pdf).splitlines()
    cjk = [line for line in lines if "WenQuanYi" in line or "NotoSansCJK" in line]
    return [line for line in cjk if " yes " in line]
