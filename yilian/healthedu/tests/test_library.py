"""The staff library and the editor: search, filters, pagination and empty states; a form
that keeps what was typed and says what is wrong."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.core.tests.html import field_errors, field_value, parse

from ..models import Category, Item, Status, Tag
from .conftest import published, write

pytestmark = pytest.mark.django_db


def _listed(response) -> list[str]:
    return [a.get("data-item") for a in parse(response).find_all("a", data_item=True)]


def test_an_empty_library_says_so_and_offers_to_write(login, staff_a):
    page = parse(login(staff_a).get(reverse("healthedu:library")))
    assert page.one("p", id="no-items").text == "No health-education items yet."
    assert page.one("a", id="new-item")


def test_search_and_filters(login, staff_a, hospital_admin_a, category):
    other = Category.objects.create(name="急救与卒中")
    bp = published(staff_a, hospital_admin_a, category=category, tags=["高血压"])
    stroke = published(
        staff_a,
        hospital_admin_a,
        title="脑卒中早期识别 BE FAST",
        body="<p>口角歪斜，立即拨打 120</p>",
        category=other,
        tags=["急救"],
    )
    client = login(staff_a)
    url = reverse("healthedu:library")
    assert set(_listed(client.get(url))) == {str(bp.public_id), str(stroke.public_id)}
    assert _listed(client.get(url, {"q": "拨打 120"})) == [str(stroke.public_id)]
    assert _listed(client.get(url, {"category": category.pk})) == [str(bp.public_id)]
    assert _listed(client.get(url, {"tag": "急救"})) == [str(stroke.public_id)]
    assert _listed(client.get(url, {"category": "x"})) != []  # a bad filter is ignored
    empty = parse(client.get(url, {"q": "不存在的内容"}))
    assert empty.one("p", id="no-items").text == "No item matches your search."


def test_status_filter_shows_the_authors_drafts(login, staff_a, draft, article):
    client = login(staff_a)
    listed = _listed(client.get(reverse("healthedu:library"), {"status": Status.DRAFT}))
    assert listed == [str(draft.public_id)]


def test_pagination(login, staff_a, settings):
    settings.YILIAN_PAGE_SIZE = 2
    for n in range(5):
        write(staff_a, title=f"第 {n} 篇")
    client = login(staff_a)
    first = client.get(reverse("healthedu:library"))
    third = client.get(reverse("healthedu:library"), {"page": 3})
    assert len(_listed(first)) == 2 and len(_listed(third)) == 1
    assert not set(_listed(first)) & set(_listed(third))


def test_writing_an_item_through_the_form(login, staff_a, category):
    client = login(staff_a)
    response = client.post(
        reverse("healthedu:new"),
        {
            "kind": "article",
            "title": "糖尿病饮食",
            "summary": "控制总量",
            "body": "<p>主食<strong>粗细搭配</strong></p><script>x()</script>",
            "category": category.pk,
            "tags": "糖尿病，饮食, 糖尿病",
            "audience": "chronic",
            "action": "save",
        },
    )
    item = Item.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "healthedu:item", args=[item.public_id]
    )
    assert item.body == "<p>主食<strong>粗细搭配</strong></p>"
    assert sorted(item.tags.values_list("name", flat=True)) == ["糖尿病", "饮食"]
    assert (item.author, item.hospital, item.status) == (staff_a, staff_a.hospital, Status.DRAFT)


def test_a_form_with_errors_keeps_what_was_typed(login, staff_a):
    client = login(staff_a)
    response = client.post(
        reverse("healthedu:new"),
        {
            "kind": "article",
            "title": "只有标题",
            "body": "",
            "tags": ",".join(f"t{n}" for n in range(12)),
            "audience": "public",
            "action": "save",
        },
    )
    assert response.status_code == 422
    assert field_value(response, "title") == "只有标题"
    assert field_errors(response, "tags") == ["At most 8 tags."]
    assert not Item.objects.exists() and not Tag.objects.exists()

    response = client.post(
        reverse("healthedu:new"),
        {"kind": "article", "title": "只有标题", "body": "", "audience": "public"},
    )
    assert response.status_code == 422
    assert field_errors(response, "body") == ["Write the article's text."]


def test_editing_a_published_item_warns_first(login, staff_a, article):
    page = parse(login(staff_a).get(reverse("healthedu:edit", args=[article.public_id])))
    assert page.one("div", id="republish-warning")
    assert field_value_of(page, "title") == article.title


def field_value_of(page, name: str) -> str | None:
    element = page.find("input", name=name)
    return element.get("value") if element is not None else None


def test_an_item_under_review_cannot_be_edited(login, staff_a, draft):
    from ..services import submit

    submit(draft, actor=staff_a)
    assert login(staff_a).get(reverse("healthedu:edit", args=[draft.public_id])).status_code == 403


def test_the_library_takes_the_same_number_of_queries_whatever_the_rows(
    login, staff_a, hospital_admin_a, category
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(staff_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("healthedu:library")).status_code == 200
        return len(captured)

    published(staff_a, hospital_admin_a, title="一", category=category, tags=["甲"])
    few = queries()
    for n in range(4):
        published(staff_a, hospital_admin_a, title=f"多 {n}", category=category, tags=[f"乙{n}"])
    assert queries() == few
