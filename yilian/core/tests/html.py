"""A small HTML reader for view tests (the standard library's parser, no new dependency):
find elements by tag and attributes, read their text and attributes."""

from __future__ import annotations

from html.parser import HTMLParser

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None = None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Element) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def _matches(self, tag: str | None, attrs: dict[str, str | bool]) -> bool:
        if tag is not None and self.tag != tag:
            return False
        for name, wanted in attrs.items():
            if name == "class":
                if str(wanted) not in (self.attrs.get("class") or "").split():
                    return False
            elif wanted is True:
                if name not in self.attrs:
                    return False
            elif self.attrs.get(name) != wanted:
                return False
        return True

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Element]:
        """Descendants by tag and attributes: ``class_`` matches one class, ``data_x=True``
        matches an attribute ``data-x`` that is present, other values match exactly."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        found: list[Element] = []

        def walk(node: Element) -> None:
            for child in node.children:
                if isinstance(child, Element):
                    if child._matches(tag, wanted):
                        found.append(child)
                    walk(child)

        walk(self)
        return found

    def find(self, tag: str | None = None, **attrs: str | bool) -> Element | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, **attrs: str | bool) -> Element:
        found = self.find_all(tag, **attrs)
        if len(found) != 1:
            raise AssertionError(f"expected one <{tag or '*'} {attrs}>, found {len(found)}")
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(response_or_html: HttpResponse | str | bytes) -> Element:
    if isinstance(response_or_html, HttpResponse):
        html = response_or_html.content.decode()
    elif isinstance(response_or_html, bytes):
        html = response_or_html.decode()
    else:
        html = response_or_html
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def field_errors(response: HttpResponse, name: str) -> list[str]:
    """The error messages shown under form field ``name`` (see web/forms/field.html)."""
    group = parse(response).one("div", id=f"field-{name}")
    return [e.text for e in group.find_all("div", class_="invalid-feedback")]


def field_value(response: HttpResponse, name: str) -> str | None:
    """What an input, text area or select named ``name`` shows (kept after a failed POST)."""
    page = parse(response)
    element = page.find("input", name=name)
    if element is not None:
        return element.get("value")
    area = page.find("textarea", name=name)
    if area is not None:
        return area.text.strip("\n")
    select = page.one("select", name=name)
    selected = [o for o in select.find_all("option") if "selected" in o.attrs]
    return selected[0].get("value") if selected else None


def tr(message: str, **params: object) -> str:
    """``message`` as a page renders it: requests without Accept-Language get LANGUAGE_CODE."""
    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(message)
    return text % params if params else text
