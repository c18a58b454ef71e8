"""How every form renders: Bootstrap markup from one pair of templates."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates

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
