"""The message list: own notifications only, open one, mark all read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.core.tests.html import parse
from yilian.notify.models import Notification
from yilian.notify.services import mark_read, notify


def _titles(response) -> list[str]:
    return [span.text for span in parse(response).one(id="notifications").find_all("span")]


def _open_url(notification: Notification) -> str:
    return reverse("notify:open", args=[notification.public_id])


def _read_at(notification: Notification):
    return Notification.objects.get(pk=notification.pk).read_at


def test_list_shows_only_own_notifications_newest_first(login, staff_a, staff_b):
    notify([staff_a], verb="test", title="第一条")
    notify([staff_b], verb="test", title="别人的消息")
    notify([staff_a], verb="test", title="第二条")

    response = login(staff_a).get(reverse("notify:list"))

    assert response.status_code == 200
    assert _titles(response) == ["第二条", "第一条"]
    assert "别人的消息" not in response.content.decode()


def test_unread_filter_hides_read_notifications(login, staff_a):
    [read] = notify([staff_a], verb="test", title="已读的")
    notify([staff_a], verb="test", title="未读的")
    mark_read(staff_a, read)

    response = login(staff_a).get(reverse("notify:list"), {"unread": "1"})

    assert _titles(response) == ["未读的"]


def test_empty_list_says_so(login, staff_a):
    response = login(staff_a).get(reverse("notify:list"))

    page = parse(response)
    assert page.find(id="notifications") is None
    assert page.find(data_empty=True) is not None


def test_unread_badge_counts_own_unread_notifications(login, staff_a, staff_b):
    notify([staff_a], verb="test", title="一")
    notify([staff_a], verb="test", title="二")
    notify([staff_b], verb="test", title="三")

    response = login(staff_a).get(reverse("notify:list"))

    badges = parse(response).find_all(data_unread_count=True)
    assert badges
    assert {b.text for b in badges} == {"2"}


def test_opening_marks_read_and_redirects_to_the_notifications_url(login, staff_a, hospital_a):
    target = reverse("web:hospital_detail", args=[hospital_a.public_id])
    [note] = notify([staff_a], verb="test", title="去看看", url=target)

    response = login(staff_a).post(_open_url(note))

    assert response.status_code == 302
    assert response["Location"] == target
    assert _read_at(note) is not None


def test_opening_again_keeps_the_first_read_time(login, staff_a):
    [note] = notify([staff_a], verb="test", title="去看看", url="/services/")
    client = login(staff_a)
    client.post(_open_url(note))
    first = _read_at(note)

    client.post(_open_url(note))

    assert _read_at(note) == first


@pytest.mark.parametrize("url", ["", "https://evil.example/phish", "//evil.example/"])
def test_opening_a_notification_without_a_local_url_returns_to_the_list(login, staff_a, url):
    [note] = notify([staff_a], verb="test", title="外链", url=url)

    response = login(staff_a).post(_open_url(note))

    assert response.status_code == 302
    assert response["Location"] == reverse("notify:list")
    assert _read_at(note) is not None


def test_opening_another_users_notification_is_404_and_leaves_it_unread(login, staff_a, staff_b):
    [theirs] = notify([staff_b], verb="test", title="别人的消息", url="/services/")

    response = login(staff_a).post(_open_url(theirs))

    assert response.status_code == 404
    assert _read_at(theirs) is None


def test_opening_by_get_is_not_allowed(login, staff_a):
    [note] = notify([staff_a], verb="test", title="去看看", url="/services/")

    response = login(staff_a).get(_open_url(note))

    assert response.status_code == 405
    assert _read_at(note) is None


def test_anonymous_visitor_cannot_open_a_notification(client, staff_a):
    [note] = notify([staff_a], verb="test", title="去看看", url="/services/")

    response = client.post(_open_url(note))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert _read_at(note) is None


def test_mark_all_read_marks_only_own_notifications(login, staff_a, staff_b):
    mine = notify([staff_a], verb="test", title="一") + notify([staff_a], verb="test", title="二")
    [theirs] = notify([staff_b], verb="test", title="三")

    response = login(staff_a).post(reverse("notify:mark_all_read"))

    assert response.status_code == 302
    assert response["Location"] == reverse("notify:list")
    assert all(_read_at(n) is not None for n in mine)
    assert _read_at(theirs) is None


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_does_not_grow_with_notifications(
    login, staff_a, django_assert_max_num_queries, count
):
    for n in range(count):
        notify([staff_a], verb="test", title=f"消息{n}")
    client = login(staff_a)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("notify:list"))

    assert len(_titles(response)) == min(count, 20)
