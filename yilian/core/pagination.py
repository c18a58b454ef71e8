from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    """The ``?page=`` of a list, ``YILIAN_PAGE_SIZE`` rows a page; bad page numbers clamp."""
    return Paginator(queryset, settings.YILIAN_PAGE_SIZE).get_page(request.GET.get("page"))
