"""Reviewing staff registrations: list, detail, approve, reject — who may, and what changes."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from conftest import PASSWORD
from yilian.accounts import services
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.tests.html import field_errors, parse, tr
from yilian.notify.models import Notification


def _state(user: User) -> tuple:
    """Everything a review could change, read again from the database."""
    row = User.objects.get(pk=user.pk)
    return (row.status, row.rejection_reason, row.reviewed_by_id, row.reviewed_at)


def _urls(registration: User) -> dict[str, str]:
    return {
        "list": reverse("accounts:registrations"),
        "detail": reverse("accounts:registration_detail", args=[registration.public_id]),
        "approve": reverse("accounts:approve_registration", args=[registration.public_id]),
        "reject": reverse("accounts:reject_registration", args=[registration.public_id]),
    }


def _listed(response) -> set[str]:
    return {a.get("data-registration") for a in parse(response).find_all(data_registration=True)}


def _hit(client, registration: User, endpoint: str):
    url = _urls(registration)[endpoint]
    if endpoint in ("approve", "reject"):
        return client.post(url, {"reason": "资料不全"})
    return client.get(url)


@pytest.fixture
def pending_staff_b(hospital_b, hospital_admin_b) -> User:
    return services.register_staff(
        phone="13600000002",
        name="吴待审",
        password=PASSWORD,
        hospital=hospital_b,
        department=None,
    )


# --- who may not ------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["list", "detail", "approve", "reject"])
def test_anonymous_visitor_is_sent_to_login_and_nothing_changes(client, pending_staff_a, endpoint):
    before = _state(pending_staff_a)

    response = _hit(client, pending_staff_a, endpoint)

    assert response.status_code == 302
    url = _urls(pending_staff_a)[endpoint]
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert _state(pending_staff_a) == before


@pytest.mark.parametrize("actor", ["staff_a", "manager", "expert"])
@pytest.mark.parametrize("endpoint", ["list", "detail", "approve", "reject"])
def test_member_without_a_reviewer_role_gets_403_and_nothing_changes(
    request, login, pending_staff_a, actor, endpoint
):
    client = login(request.getfixturevalue(actor))
    before = _state(pending_staff_a)

    response = _hit(client, pending_staff_a, endpoint)

    assert response.status_code == 403
    assert _state(pending_staff_a) == before
    assert before[0] == User.Status.PENDING


@pytest.mark.parametrize("endpoint", ["detail", "approve", "reject"])
def test_hospital_admin_of_other_hospital_gets_404_on_registration(
    login, hospital_admin_b, pending_staff_a, endpoint
):
    before = _state(pending_staff_a)

    response = _hit(login(hospital_admin_b), pending_staff_a, endpoint)

    assert response.status_code == 404
    assert _state(pending_staff_a) == before
    assert not Notification.objects.filter(recipient=pending_staff_a).exists()


def test_hospital_admin_of_other_hospital_does_not_see_the_registration_listed(
    login, hospital_admin_b, pending_staff_a, pending_staff_b
):
    response = login(hospital_admin_b).get(reverse("accounts:registrations"))

    assert response.status_code == 200
    assert _listed(response) == {str(pending_staff_b.public_id)}


def test_hospital_admin_without_a_hospital_sees_no_registrations(login, make_user, pending_staff_a):
    make_user(Role.STAFF, name="无院医生")  # staff allocated without a hospital
    admin = make_user(Role.HOSPITAL_ADMIN, name="无院管理员")

    response = login(admin).get(reverse("accounts:registrations"), {"status": "active"})

    assert response.status_code == 200
    assert _listed(response) == set()


@pytest.mark.parametrize("endpoint", ["approve", "reject"])
def test_review_by_get_is_not_allowed_and_changes_nothing(
    login, hospital_admin_a, pending_staff_a, endpoint
):
    before = _state(pending_staff_a)

    response = login(hospital_admin_a).get(_urls(pending_staff_a)[endpoint])

    assert response.status_code == 405
    assert _state(pending_staff_a) == before


def test_pending_user_cannot_open_the_review_pages(
    client, pending_staff_a, hospital_a, department_a
):
    other = services.register_staff(
        phone="13600000003", name="郑待审", password=PASSWORD, hospital=hospital_a, department=None
    )
    client.force_login(pending_staff_a)
    before = _state(other)

    response = _hit(client, other, "approve")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:status")
    assert _state(other) == before


# --- who may ----------------------------------------------------------------------------


def test_own_hospital_admin_lists_only_their_hospitals_registrations(
    login, hospital_admin_a, pending_staff_a, pending_staff_b
):
    response = login(hospital_admin_a).get(reverse("accounts:registrations"))

    assert response.status_code == 200
    assert _listed(response) == {str(pending_staff_a.public_id)}
    assert "李待审" in response.content.decode()


def test_platform_admin_lists_registrations_of_every_hospital(
    login, platform_admin, pending_staff_a, pending_staff_b
):
    response = login(platform_admin).get(reverse("accounts:registrations"))

    assert response.status_code == 200
    assert _listed(response) == {str(pending_staff_a.public_id), str(pending_staff_b.public_id)}


def test_registration_list_filters_by_status_and_query(
    login, hospital_admin_a, pending_staff_a, staff_a
):
    client = login(hospital_admin_a)

    active = client.get(reverse("accounts:registrations"), {"status": "active"})
    by_name = client.get(reverse("accounts:registrations"), {"status": "pending", "query": "李"})
    no_match = client.get(reverse("accounts:registrations"), {"query": "不存在的人"})

    assert _listed(active) == {str(staff_a.public_id)}
    assert _listed(by_name) == {str(pending_staff_a.public_id)}
    assert _listed(no_match) == set()
    assert parse(no_match).find(data_empty=True) is not None


def test_registration_list_htmx_request_returns_only_the_results(
    login, hospital_admin_a, pending_staff_a
):
    response = login(hospital_admin_a).get(
        reverse("accounts:registrations"), HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="results">')
    assert _listed(response) == {str(pending_staff_a.public_id)}


@pytest.mark.parametrize("pending", [3, 25])
def test_registration_list_query_count_does_not_grow_with_registrations(
    login, hospital_admin_a, hospital_a, department_a, django_assert_max_num_queries, pending
):
    for n in range(pending):
        services.register_staff(
            phone=f"1350000{n:04d}",
            name=f"待审{n}",
            password=PASSWORD,
            hospital=hospital_a,
            department=department_a,
        )
    client = login(hospital_admin_a)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("accounts:registrations"))

    assert len(_listed(response)) == min(pending, 20)


@pytest.mark.parametrize("reviewer", ["hospital_admin_a", "platform_admin"])
def test_reviewer_sees_the_registration_details(request, login, pending_staff_a, reviewer):
    response = login(request.getfixturevalue(reviewer)).get(_urls(pending_staff_a)["detail"])

    page = parse(response)
    assert response.status_code == 200
    assert "李待审" in page.one("h1").text
    assert pending_staff_a.phone in page.text
    assert page.find("button", id="approve") is not None
    assert page.find("button", id="reject") is not None


@pytest.mark.parametrize("reviewer", ["hospital_admin_a", "platform_admin"])
def test_reviewer_approves_a_registration(request, login, pending_staff_a, reviewer):
    actor = request.getfixturevalue(reviewer)

    response = login(actor).post(_urls(pending_staff_a)["approve"])

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:registrations")
    row = User.objects.get(pk=pending_staff_a.pk)
    assert row.status == User.Status.ACTIVE
    assert row.reviewed_by_id == actor.pk
    assert row.reviewed_at is not None
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


@pytest.mark.parametrize("reviewer", ["hospital_admin_a", "platform_admin"])
def test_reviewer_rejects_a_registration_with_a_reason(request, login, pending_staff_a, reviewer):
    actor = request.getfixturevalue(reviewer)

    response = login(actor).post(_urls(pending_staff_a)["reject"], {"reason": "非本院在职人员"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:registrations")
    row = User.objects.get(pk=pending_staff_a.pk)
    assert row.status == User.Status.REJECTED
    assert row.rejection_reason == "非本院在职人员"
    assert row.reviewed_by_id == actor.pk


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejection_without_reason_rerenders_with_400_and_user_stays_pending(
    login, hospital_admin_a, pending_staff_a, reason
):
    before = _state(pending_staff_a)

    response = login(hospital_admin_a).post(_urls(pending_staff_a)["reject"], {"reason": reason})

    assert response.status_code == 400
    assert field_errors(response, "reason") == [tr("This field is required.")]
    assert parse(response).find("button", id="reject") is not None
    assert _state(pending_staff_a) == before
    assert before[0] == User.Status.PENDING


def test_approving_a_registration_already_rejected_warns_and_changes_nothing(
    login, hospital_admin_a, platform_admin, pending_staff_a
):
    services.reject_registration(pending_staff_a, actor=platform_admin, reason="重复注册")
    before = _state(pending_staff_a)

    response = login(hospital_admin_a).post(_urls(pending_staff_a)["approve"], follow=True)

    assert response.redirect_chain == [(reverse("accounts:registrations"), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert _state(pending_staff_a) == before
    assert before[:3] == (User.Status.REJECTED, "重复注册", platform_admin.pk)


def test_reviewed_registration_detail_shows_no_review_buttons(login, hospital_admin_a, staff_a):
    response = login(hospital_admin_a).get(_urls(staff_a)["detail"])

    page = parse(response)
    assert response.status_code == 200
    assert page.find("button", id="approve") is None
    assert page.find("button", id="reject") is None
    assert "甲院管理员" in page.text  # who reviewed it
