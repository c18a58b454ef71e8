"""``LongSelect`` renders what Django's ``Select`` renders, without a template per option."""

from __future__ import annotations

import pytest
from django import forms

from yilian.core.tests.html import Element, parse
from yilian.web.forms import LongSelect

CHOICES = [
    ("", "全部医院"),
    ("a1", "甲县人民医院"),
    ("b2", '<b onmouseover="x()">乙 & 丙</b>'),
    ("Sichuan", [("c3", "丙市中心医院"), ("d4", '丁"县"医院')]),
]


def _options(select: Element) -> list[tuple[str | None, str, bool, str | None]]:
    return [
        (o.get("value"), o.text, o.get("selected") is not None, o.parent and o.parent.get("label"))
        for o in select.find_all("option")
    ]


@pytest.mark.parametrize("value", ["", "b2", "d4", "missing"])
def test_it_renders_the_options_djangos_select_renders(value):
    attrs = {"id": "id_hospital", "class": "form-select", "aria-invalid": "true"}
    django_html = forms.Select(attrs=attrs, choices=CHOICES).render("hospital", value)
    long_html = LongSelect(attrs=attrs, choices=CHOICES).render("hospital", value)

    expected, got = parse(django_html).one("select"), parse(long_html).one("select")

    assert _options(got) == _options(expected)
    assert {k: got.get(k) for k in ("name", *attrs)} == {
        k: expected.get(k) for k in ("name", *attrs)
    }
    assert sum(selected for _v, _t, selected, _g in _options(got)) == (value != "missing")


def test_labels_are_text_not_markup():
    html = LongSelect(choices=CHOICES).render("hospital", "")

    assert "<b" not in html and "&lt;b onmouseover=" in html
    assert parse(html).one("option", value="b2").text == '<b onmouseover="x()">乙 & 丙</b>'
