"""How every form renders: Bootstrap markup from one pair of templates."""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe

_CLASS_BY_WIDGET: tuple[tuple[type[forms.Widget], str], ...] = (
    (forms.CheckboxInput, "form-check-input"),
    (forms.RadioSelect, "form-check-input"),
    (forms.CheckboxSelectMultiple, "form-check-input"),
    (forms.Select, "form-select"),
    (forms.Widget, "form-control"),
)


class FormRenderer(DjangoTemplates):
    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"

    def render(self, template_name, context, request=None):  # type: ignore[no-untyped-def]
        field = context.get("field")
        if field is not None and hasattr(field, "field"):
            widget = field.field.widget
            css = next(c for w, c in _CLASS_BY_WIDGET if isinstance(widget, w))
            current = widget.attrs.get("class", "")
            if css not in current.split():
                widget.attrs["class"] = f"{current} {css}".strip()
            if field.errors:
                widget.attrs["aria-invalid"] = "true"
        return super().render(template_name, context, request)


class LongSelect(forms.Select):
    """A select of hundreds of options (the alliance's hospitals), its options joined in
    one string: Django renders a template per option, which was most of the rendering time
    of a page offering a thousand. Values and labels are escaped as a template would."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(name)}"{flatatt(widget["attrs"])}>']
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f'<optgroup label="{escape(str(group))}">')
            for option in options:
                chosen = " selected" if option["selected"] else ""
                parts.append(
                    f'<option value="{escape(str(option["value"]))}"{chosen}>'
                    f"{escape(str(option['label']))}</option>"
                )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value and label is escaped
