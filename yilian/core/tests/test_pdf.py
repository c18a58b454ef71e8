from yilian.core.pdf import pdf_response, render_pdf
from yilian.core.tests.pdf import embedded_cjk_fonts, needs_poppler, pdf_text

pytestmark = needs_poppler


def _template(tmp_path, settings, body: str) -> str:
    (tmp_path / "doc.html").write_text(
        '{% extends "pdf/base.html" %}{% block content %}' + body + "{% endblock %}",
        encoding="utf-8",
    )
    # Changing TEMPLATES through the fixture makes Django rebuild its template engines.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    return "doc.html"


def test_chinese_text_is_rendered_with_an_embedded_cjk_font(tmp_path, settings):
    name = _template(tmp_path, settings, "<h1>进修录取通知书</h1><p>{{ who }}同志：欢迎。</p>")

    pdf = render_pdf(name, {"who": "张丽华"})

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "进修录取通知书" in text
    assert "张丽华同志：欢迎。" in text
    assert embedded_cjk_fonts(pdf)


def test_response_is_a_private_download(tmp_path, settings):
    name = _template(tmp_path, settings, "<p>意见</p>")

    response = pdf_response(name, {}, "会诊意见.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''%E4%BC%9A%E8%AF%8A" in response["Content-Disposition"]
