"""The review flow and who sees what: drafts are their author's and their reviewers';
another hospital's drafts are a 404; nobody reviews their own item; editing a published
item sends it back for review."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from yilian.core.tests.html import parse
from yilian.notify.models import Notification

from ..models import Item, ItemEvent, Status
from ..services import publish, return_item, save_item, submit, unpublish
from .conftest import write

pytestmark = pytest.mark.django_db


def test_draft_to_published_with_a_timeline_and_the_author_told(
    staff_a, hospital_admin_a, django_capture_on_commit_callbacks
):
    item = write(staff_a)
    assert item.status == Status.DRAFT and item.hospital == staff_a.hospital

    with django_capture_on_commit_callbacks(execute=True):
        submit(item, actor=staff_a)
    assert Notification.objects.filter(recipient=hospital_admin_a, verb="healthedu.submitted")

    with django_capture_on_commit_callbacks(execute=True):
        item = publish(item, actor=hospital_admin_a)
    assert item.status == Status.PUBLISHED and item.published_at is not None
    assert Notification.objects.filter(recipient=staff_a, verb="healthedu.published").exists()
    assert list(item.events.values_list("action", "to_status")) == [
        (ItemEvent.Action.CREATED, Status.DRAFT),
        (ItemEvent.Action.SUBMITTED, Status.SUBMITTED),
        (ItemEvent.Action.PUBLISHED, Status.PUBLISHED),
    ]
    assert publish(item, actor=hospital_admin_a).status == Status.PUBLISHED  # idempotent
    assert item.events.count() == 3


def test_a_returned_item_needs_a_comment_and_goes_back_to_its_author(staff_a, hospital_admin_a):
    item = submit(write(staff_a), actor=staff_a)
    with pytest.raises(ValidationError) as error:
        return_item(item, actor=hospital_admin_a, comment="  ")
    assert "comment" in error.value.message_dict
    assert Item.objects.get(pk=item.pk).status == Status.SUBMITTED

    item = return_item(item, actor=hospital_admin_a, comment="请补充测量时间")
    assert item.status == Status.RETURNED and item.review_comment == "请补充测量时间"
    assert item.events.last().comment == "请补充测量时间"
    assert submit(item, actor=staff_a).status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["staff_a", "hospital_admin_b", "staff_b", "expert"])
def test_only_the_items_reviewers_may_publish(request, who, staff_a, hospital_admin_a):
    item = submit(write(staff_a), actor=staff_a)
    with pytest.raises(PermissionDenied):
        publish(item, actor=request.getfixturevalue(who))
    assert Item.objects.get(pk=item.pk).status == Status.SUBMITTED


def test_a_platform_manager_reviews_any_hospitals_items(staff_b, manager):
    item = submit(write(staff_b), actor=staff_b)
    assert publish(item, actor=manager).status == Status.PUBLISHED


def test_nobody_reviews_their_own_item(hospital_admin_a):
    item = submit(write(hospital_admin_a), actor=hospital_admin_a)
    with pytest.raises(PermissionDenied):
        publish(item, actor=hospital_admin_a)


def test_editing_a_published_item_takes_it_off_the_share_page_until_reviewed_again(
    client, staff_a, hospital_admin_a, article
):
    share = reverse("healthedu:share", args=[article.slug])
    assert client.get(share).status_code == 200

    edited = save_item(
        actor=staff_a, item=article, kind="article", title=article.title, body="<p>新版</p>"
    )
    assert edited.status == Status.SUBMITTED
    assert client.get(share).status_code == 404
    with pytest.raises(PermissionDenied):  # not while it is under review
        save_item(actor=staff_a, item=edited, kind="article", title="再改", body="<p>x</p>")

    publish(edited, actor=hospital_admin_a)
    page = parse(client.get(share))
    assert page.one("div", id="share-body").text == "新版"


def test_unpublishing_and_who_may(client, staff_b, hospital_admin_a, article):
    with pytest.raises(PermissionDenied):
        unpublish(article, actor=staff_b)
    item = unpublish(article, actor=hospital_admin_a)
    assert item.status == Status.UNPUBLISHED
    assert client.get(reverse("healthedu:share", args=[item.slug])).status_code == 404


# --- pages -----------------------------------------------------------------------------


def test_another_hospitals_draft_is_a_404_and_absent_from_its_library(
    login, staff_a, staff_b, hospital_admin_b, draft, article
):
    for outsider in (staff_b, hospital_admin_b):
        client = login(outsider)
        assert client.get(reverse("healthedu:item", args=[draft.public_id])).status_code == 404
        assert client.get(reverse("healthedu:edit", args=[draft.public_id])).status_code == 404
        response = client.post(
            reverse("healthedu:action", args=[draft.public_id]), {"action": "submit"}
        )
        assert response.status_code == 404
        listed = {
            c.get("data-item")
            for c in parse(client.get(reverse("healthedu:library"))).find_all("a", data_item=True)
        }
        assert listed == {str(article.public_id)}
    assert Item.objects.get(pk=draft.pk).status == Status.DRAFT


def test_the_same_hospitals_admin_sees_and_reviews_through_the_pages(
    login, staff_a, hospital_admin_a, draft
):
    submit(draft, actor=staff_a)
    client = login(hospital_admin_a)
    queue = parse(client.get(reverse("healthedu:review")))
    assert queue.one("a", data_item=str(draft.public_id))
    page = parse(client.get(reverse("healthedu:item", args=[draft.public_id])))
    assert page.one("button", data_action="publish")

    response = client.post(
        reverse("healthedu:action", args=[draft.public_id]), {"action": "return", "comment": ""}
    )
    assert response.status_code == 422
    assert Item.objects.get(pk=draft.pk).status == Status.SUBMITTED

    client.post(reverse("healthedu:action", args=[draft.public_id]), {"action": "publish"})
    assert Item.objects.get(pk=draft.pk).status == Status.PUBLISHED


def test_the_author_sees_no_review_buttons_on_their_own_item(login, staff_a, draft):
    submit(draft, actor=staff_a)
    page = parse(login(staff_a).get(reverse("healthedu:item", args=[draft.public_id])))
    assert page.find("button", data_action="publish") is None
    assert page.find("form", id="return-form") is None
    assert page.one("span", id="item-status").get("data-status") == Status.SUBMITTED


def test_patients_and_anonymous_visitors_have_no_library(client, login, patient, article):
    assert client.get(reverse("healthedu:library")).status_code == 302
    assert login(patient).get(reverse("healthedu:library")).status_code == 403
