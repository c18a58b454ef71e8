"""Pages of lists. Counting stops at ``YILIAN_COUNT_CAP`` rows: the count of a list that
matches most of a million requests would otherwise read them all on every page, and
nobody pages past the thousandth row — past the cap the page says "more than 1000" and
asks for a narrower search."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int = 0, **kwargs: Any) -> None:
        super().__init__(object_list, per_page or settings.YILIAN_PAGE_SIZE, **kwargs)
        self.cap = settings.YILIAN_COUNT_CAP

    @cached_property
    def count(self) -> int:
        """The number of rows, or ``cap + 1`` when there are more than ``cap``."""
        if isinstance(self.object_list, QuerySet):
            return self.object_list.order_by()[: self.cap + 1].count()
        return min(len(self.object_list), self.cap + 1)

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.is_capped:
            return max(1, self.cap // self.per_page)
        return super().num_pages

    @property
    def shown_count(self) -> str:
        """The count as the page shows it: ``1000+`` past the cap."""
        return f"{self.cap}+" if self.is_capped else str(self.count)

    @property
    def shown_pages(self) -> str:
        return f"{self.num_pages}+" if self.is_capped else str(self.num_pages)


def page_of(object_list: Any, number: Any, per_page: int = 0) -> Page:
    """Page ``number`` of a list (bad numbers clamp to the nearest page)."""
    return CappedPaginator(object_list, per_page).get_page(number)


def paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    """The ``?page=`` of a list, ``YILIAN_PAGE_SIZE`` rows a page."""
    return page_of(queryset, request.GET.get("page"))
