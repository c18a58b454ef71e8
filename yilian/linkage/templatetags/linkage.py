from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def request_files(target: Any, purpose: str) -> list[Any]:
    """The files of one purpose on a request (the page has authorised the request)."""
    from yilian.files.selectors import files_for

    return files_for(target, purpose)
