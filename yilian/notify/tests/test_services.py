"""notify.services: writing notifications and marking them read."""

from __future__ import annotations

import pytest

from yilian.notify.models import Notification
from yilian.notify.services import mark_all_read, mark_read, notify


def test_notify_writes_one_notification_per_distinct_recipient(staff_a, staff_b):
    rows = notify(
        [staff_a, staff_b, staff_a],
        verb="registration.submitted",
        title="新注册",
        body="请审核",
        url="/accounts/registrations/",
    )

    assert len(rows) == 2
    saved = Notification.objects.order_by("recipient_id")
    assert [(n.recipient, n.verb, n.title, n.body, n.url) for n in saved] == [
        (staff_a, "registration.submitted", "新注册", "请审核", "/accounts/registrations/"),
        (staff_b, "registration.submitted", "新注册", "请审核", "/accounts/registrations/"),
    ]
    assert all(n.read_at is None for n in saved)


def test_notify_with_no_recipients_writes_nothing(db):
    assert notify([], verb="test", title="无人") == []
    assert Notification.objects.count() == 0


def test_notify_pushes_after_commit_without_failing(staff_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify([staff_a], verb="test", title="实时")

    assert len(callbacks) == 1
    assert Notification.objects.filter(recipient=staff_a).count() == 1


def test_mark_read_refuses_another_users_notification(staff_a, staff_b):
    [theirs] = notify([staff_b], verb="test", title="别人的")

    with pytest.raises(PermissionError):
        mark_read(staff_a, theirs)

    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read_returns_how_many_it_marked(staff_a, staff_b):
    notify([staff_a], verb="test", title="一")
    notify([staff_a], verb="test", title="二")
    notify([staff_b], verb="test", title="三")

    assert mark_all_read(staff_a) == 2
    assert mark_all_read(staff_a) == 0
    assert Notification.objects.unread().get().recipient == staff_b
