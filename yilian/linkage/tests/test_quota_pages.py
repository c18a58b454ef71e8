"""The quota pages: managers and platform administrators only; validation; no deleting a
quota whose seats are held."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.core.tests.html import field_errors, parse
from yilian.workflow.models import Status
from yilian.workflow.services import transition

from ..models import StudyQuota
from .conftest import apply_study, next_month

pytestmark = pytest.mark.django_db


def test_quota_pages_are_for_managers_and_platform_admins(
    client, quota, manager, platform_admin, expert, staff_a, hospital_admin_a
):
    urls = [
        reverse("linkage:quotas"),
        reverse("linkage:quota_create"),
        reverse("linkage:quota_edit", args=[quota.public_id]),
        reverse("linkage:quota_delete", args=[quota.public_id]),
    ]
    for user in (expert, staff_a, hospital_admin_a):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(urls[3]).status_code == 403
    assert StudyQuota.objects.filter(pk=quota.pk).exists()
    for user in (manager, platform_admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)


def test_the_list_filters_and_shows_seats_taken(
    client, manager, loop, staff_a, quota, cardiology, pathology, django_assert_max_num_queries
):
    StudyQuota.objects.create(department=pathology, month=next_month(), seats=3)
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    transition(request, "confirm", actor=loop.expert, **loop.data_for("confirm"))
    client.force_login(manager)

    with django_assert_max_num_queries(12):
        page = parse(client.get(reverse("linkage:quotas")))
    rows = page.find_all("tr", data_quota=True)
    assert [r.find_all("td")[1].text for r in rows] == ["心内科", "病理科"]
    assert rows[0].find_all("td")[3].text == "1"

    filtered = parse(
        client.get(reverse("linkage:quotas"), {"department": str(pathology.public_id)})
    )
    assert [r.find_all("td")[1].text for r in filtered.find_all("tr", data_quota=True)] == [
        "病理科"
    ]


def test_a_manager_creates_a_quota(client, manager, cardiology):
    client.force_login(manager)
    response = client.post(
        reverse("linkage:quota_create"),
        {
            "department": str(cardiology.public_id),
            "month": next_month(3).strftime("%Y-%m"),
            "seats": "4",
        },
    )
    assert response.status_code == 302
    assert StudyQuota.objects.get(department=cardiology, month=next_month(3)).seats == 4


def test_a_second_quota_for_the_same_month_is_refused(client, manager, quota, cardiology):
    client.force_login(manager)
    response = client.post(
        reverse("linkage:quota_create"),
        {
            "department": str(cardiology.public_id),
            "month": quota.month.strftime("%Y-%m"),
            "seats": "9",
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "month")
    assert StudyQuota.objects.count() == 1


def test_seats_cannot_go_below_the_confirmed_students(
    client, manager, loop, staff_a, quota, cardiology
):
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    transition(request, "confirm", actor=loop.expert, **loop.data_for("confirm"))
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    transition(request, "confirm", actor=loop.expert, **loop.data_for("confirm"))
    client.force_login(manager)

    response = client.post(
        reverse("linkage:quota_edit", args=[quota.public_id]),
        {
            "department": str(cardiology.public_id),
            "month": quota.month.strftime("%Y-%m"),
            "seats": "1",
        },
    )

    assert response.status_code == 200
    assert field_errors(response, "seats") == [
        "2 students are already confirmed: give at least 2 seats."
    ]
    assert StudyQuota.objects.get(pk=quota.pk).seats == 2


def test_a_quota_with_confirmed_students_is_not_deleted(
    client, manager, loop, staff_a, quota, cardiology
):
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    transition(request, "confirm", actor=loop.expert, **loop.data_for("confirm"))
    client.force_login(manager)
    url = reverse("linkage:quota_delete", args=[quota.public_id])

    response = client.post(url)

    assert response.status_code == 409
    assert "1 confirmed students hold seats of this quota" in response.content.decode()
    assert StudyQuota.objects.filter(pk=quota.pk).exists()


def test_an_unused_quota_is_deleted_after_confirmation(client, manager, quota):
    client.force_login(manager)
    url = reverse("linkage:quota_delete", args=[quota.public_id])
    assert "Delete the quota" in client.get(url).content.decode()
    assert StudyQuota.objects.filter(pk=quota.pk).exists()

    assert client.post(url).status_code == 302
    assert not StudyQuota.objects.filter(pk=quota.pk).exists()


def test_the_navigation_lists_the_linkage_pages(manager, platform_admin, staff_a):
    from yilian.web.navigation import modules_for

    def pages(user):
        entry = next(e for e in modules_for(user) if e.module.key == "linkage")
        return [p.url_name for p in entry.pages]

    assert pages(manager) == ["linkage:quotas"]
    assert pages(platform_admin) == ["linkage:quotas", "linkage:special_types"]
    assert pages(staff_a) == []
