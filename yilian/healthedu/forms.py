from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Audience, Category, Item, Kind
from .services import parse_tags


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.ARTICLE)
    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences shown in lists and when the link is shared."),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "data-rich-text": True}),
        help_text=_(
            "Simple formatting: paragraphs, headings, bold, lists, links and tables. "
            "Anything else (scripts, styles, embedded pages) is removed when saved."
        ),
    )
    video = forms.FileField(label=_("Video (MP4)"), required=False)
    cover = forms.FileField(label=_("Cover image (JPEG or PNG)"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=300,
        required=False,
        help_text=_("Separated by commas, e.g. 高血压, 用药"),
    )
    audience = forms.ChoiceField(
        label=_("Audience"), choices=Audience.choices, initial=Audience.PUBLIC
    )

    @classmethod
    def for_item(cls, item: Item) -> ItemForm:
        return cls(
            initial={
                "kind": item.kind,
                "title": item.title,
                "summary": item.summary,
                "body": item.body,
                "category": item.category,
                "tags": ", ".join(t.name for t in item.tags.all()),
                "audience": item.audience,
            }
        )

    def clean_tags(self) -> list[str]:
        try:
            return parse_tags(self.cleaned_data.get("tags") or "")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["tags"]) from None


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the author change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AttachForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Health education"), queryset=Item.objects.none())

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
