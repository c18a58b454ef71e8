"""Managing people: hospital admins manage their own staff, platform admins assign the
platform's roles; every role change is logged; denials change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from yilian.accounts import services
from yilian.accounts.models import PasswordLink, RoleAssignment, RoleChange, User
from yilian.accounts.roles import Role
from yilian.audit.models import AuditEntry
from yilian.core.tests.html import parse


def _roles(user: User) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))


def _role_url(user: User) -> str:
    return reverse("accounts:person_role", args=[user.public_id])


def test_a_hospital_admin_grants_a_staff_role_in_their_hospital_and_it_is_logged(
    client, hospital_admin_a, staff_a
):
    client.force_login(hospital_admin_a)

    response = client.post(_role_url(staff_a), {"role": Role.HOSPITAL_ADMIN, "op": "grant"})

    assert response.status_code == 302
    assert Role.HOSPITAL_ADMIN in _roles(staff_a)
    change = RoleChange.objects.get(user=staff_a)
    assert (change.role, change.change, change.actor) == (
        Role.HOSPITAL_ADMIN,
        RoleChange.Change.GRANTED,
        hospital_admin_a,
    )
    assert AuditEntry.objects.filter(
        actor=hospital_admin_a, object_type="accounts.user", object_id=str(staff_a.public_id)
    ).exists()
    log = parse(client.get(reverse("accounts:role_changes")))
    assert log.find("li", data_change=f"granted:{Role.HOSPITAL_ADMIN}") is not None


def test_a_hospital_admin_cannot_change_roles_outside_their_hospital(
    client, hospital_admin_a, staff_b
):
    client.force_login(hospital_admin_a)
    before = _roles(staff_b)

    assert client.get(reverse("accounts:person", args=[staff_b.public_id])).status_code == 404
    response = client.post(_role_url(staff_b), {"role": Role.STAFF, "op": "withdraw"})

    assert response.status_code == 404
    assert _roles(staff_b) == before
    assert not RoleChange.objects.exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.EXPERT, Role.AUDITOR, Role.PLATFORM_ADMIN])
def test_a_hospital_admin_cannot_grant_platform_roles(client, hospital_admin_a, staff_a, role):
    client.force_login(hospital_admin_a)

    response = client.post(_role_url(staff_a), {"role": role, "op": "grant"})

    assert response.status_code == 403
    assert role not in _roles(staff_a)
    assert not RoleChange.objects.exists()


def test_staff_cannot_manage_people(client, staff_a, pending_staff_a):
    client.force_login(staff_a)
    assert client.get(reverse("accounts:people")).status_code == 403
    response = client.post(_role_url(pending_staff_a), {"role": Role.STAFF, "op": "withdraw"})
    assert response.status_code == 403
    assert Role.STAFF in _roles(pending_staff_a)


def test_a_platform_admin_assigns_manager_expert_auditor_and_room_admin(
    client, platform_admin, staff_b
):
    client.force_login(platform_admin)
    for role in (Role.MANAGER, Role.EXPERT, Role.AUDITOR, Role.ROOM_ADMIN):
        assert client.post(_role_url(staff_b), {"role": role, "op": "grant"}).status_code == 302
    assert {Role.MANAGER, Role.EXPERT, Role.AUDITOR, Role.ROOM_ADMIN} <= _roles(staff_b)

    client.post(_role_url(staff_b), {"role": Role.AUDITOR, "op": "withdraw"})

    assert Role.AUDITOR not in _roles(staff_b)
    assert list(
        RoleChange.objects.filter(user=staff_b).order_by("id").values_list("role", "change")
    ) == [
        (Role.MANAGER, "granted"),
        (Role.EXPERT, "granted"),
        (Role.AUDITOR, "granted"),
        (Role.ROOM_ADMIN, "granted"),
        (Role.AUDITOR, "revoked"),
    ]


def test_a_platform_admin_cannot_make_another_platform_admin(client, platform_admin, staff_b):
    client.force_login(platform_admin)
    response = client.post(_role_url(staff_b), {"role": Role.PLATFORM_ADMIN, "op": "grant"})
    assert response.status_code == 403
    assert Role.PLATFORM_ADMIN not in _roles(staff_b)


def test_a_hospital_admin_disables_and_enables_their_staff(client, hospital_admin_a, staff_a):
    client.force_login(hospital_admin_a)
    url = reverse("accounts:person_enabled", args=[staff_a.public_id])

    client.post(url, {"enabled": "0"})
    staff_a.refresh_from_db()
    assert (staff_a.status, staff_a.is_active) == (User.Status.DISABLED, False)

    client.post(url, {"enabled": "1"})
    staff_a.refresh_from_db()
    assert (staff_a.status, staff_a.is_active) == (User.Status.ACTIVE, True)


def test_resetting_a_password_sends_a_one_time_link_and_the_old_password_stops(
    client, hospital_admin_a, staff_a
):
    from conftest import PASSWORD

    client.force_login(hospital_admin_a)
    client.post(reverse("accounts:person_reset", args=[staff_a.public_id]))
    staff_a.refresh_from_db()
    assert not staff_a.check_password(PASSWORD)
    assert PasswordLink.objects.filter(user=staff_a, used_at__isnull=True).count() == 1


def test_a_set_password_link_works_once(client, staff_a):
    token = services.issue_password_link(staff_a, actor=None)
    url = reverse("accounts:set_password", args=[token])

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"new_password1": "Blue-Canyon-77", "new_password2": "Blue-Canyon-77"}
    )

    assert response.status_code == 302
    staff_a.refresh_from_db()
    assert staff_a.check_password("Blue-Canyon-77")
    assert client.get(url).status_code == 410
    assert client.get(reverse("accounts:set_password", args=["unknown"])).status_code == 404


def test_a_hospital_admin_sees_only_their_hospitals_people(
    client, hospital_admin_a, staff_a, staff_b, manager
):
    client.force_login(hospital_admin_a)
    page = parse(client.get(reverse("accounts:people")))
    shown = {a.get("data-person") for a in page.find_all("a", data_person=True)}
    assert str(staff_a.public_id) in shown
    assert str(staff_b.public_id) not in shown
    assert str(manager.public_id) not in shown


def test_a_platform_admin_puts_an_expert_in_an_execution_team(
    client, platform_admin, expert, staff_b, lead_hospital
):
    from yilian.orgs.tests.factories import TeamFactory

    team = TeamFactory(hospital=lead_hospital)
    client.force_login(platform_admin)
    url = reverse("accounts:person_team", args=[expert.public_id])

    assert client.post(url, {"team": str(team.public_id), "member": "1"}).status_code == 302
    assert expert in team.members.all()

    refused = reverse("accounts:person_team", args=[staff_b.public_id])
    client.post(refused, {"team": str(team.public_id), "member": "1"})
    assert staff_b not in team.members.all()  # not an expert


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _logs() -> tuple[int, int]:
    return RoleChange.objects.count(), AuditEntry.objects.count()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.MANAGER, Role.EXPERT])
def test_a_platform_admin_cannot_grant_themselves_a_role(client, english, platform_admin, role):
    client.force_login(platform_admin)
    before, logs = _roles(platform_admin), _logs()

    response = client.post(_role_url(platform_admin), {"role": role, "op": "grant"})

    assert response.status_code == 403
    assert "roles of your own account" in response.content.decode()
    assert _roles(platform_admin) == before
    assert _logs() == logs


def test_a_hospital_admin_cannot_withdraw_their_own_roles(client, hospital_admin_a):
    client.force_login(hospital_admin_a)
    services.grant_role(hospital_admin_a, Role.STAFF)
    logs = _logs()

    response = client.post(_role_url(hospital_admin_a), {"role": Role.STAFF, "op": "withdraw"})

    assert response.status_code == 403
    assert _roles(hospital_admin_a) == {Role.HOSPITAL_ADMIN, Role.STAFF}
    assert _logs() == logs


def test_ones_own_person_page_offers_no_role_changes(client, platform_admin):
    client.force_login(platform_admin)

    page = parse(client.get(reverse("accounts:person", args=[platform_admin.public_id])))

    assert page.find("form", action=_role_url(platform_admin)) is None
    assert page.find(id="own-roles") is not None


def test_an_auditor_cannot_also_be_made_security_admin(
    english, make_user, platform_admin, lead_hospital
):
    auditor = make_user(Role.AUDITOR, hospital=lead_hospital)
    logs = _logs()

    with pytest.raises(ValidationError, match="separation of duties"):
        services.grant_role(auditor, Role.SECURITY_ADMIN, actor=platform_admin)

    assert _roles(auditor) == {Role.AUDITOR}
    assert _logs() == logs


def test_a_security_admin_cannot_be_made_auditor_through_the_people_page(
    client, english, make_user, platform_admin, lead_hospital
):
    security = make_user(Role.SECURITY_ADMIN, hospital=lead_hospital)
    client.force_login(platform_admin)
    logs = _logs()

    response = client.post(_role_url(security), {"role": Role.AUDITOR, "op": "grant"})

    assert response.status_code == 422
    assert "separation of duties" in response.content.decode()
    assert _roles(security) == {Role.SECURITY_ADMIN}
    assert _logs() == logs


def test_a_platform_admin_account_cannot_also_hold_auditor(make_user, lead_hospital):
    other_admin = make_user(Role.PLATFORM_ADMIN, hospital=lead_hospital)

    with pytest.raises(ValidationError):
        services.log_role_granted(other_admin, Role.AUDITOR, actor=None)

    assert _roles(other_admin) == {Role.PLATFORM_ADMIN}
    assert not RoleChange.objects.exists()


def test_a_malformed_team_id_is_a_form_error_not_a_server_error(
    client, english, platform_admin, expert
):
    client.force_login(platform_admin)
    url = reverse("accounts:person_team", args=[expert.public_id])

    response = client.post(url, {"team": "not-a-uuid", "member": "1"})

    assert response.status_code == 422
    assert "Choose an execution team" in response.content.decode()
    assert not expert.teams.exists()
