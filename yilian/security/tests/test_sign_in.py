"""Sign-in to the standard of a hospital system: lockout, two factors by role, idle and
absolute session limits, sessions ended when an account is disabled or its password changes."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from yilian.accounts.services import set_account_enabled
from yilian.security import selectors, services
from yilian.security.models import AccountSession

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


def sign_in(client: Client, phone: str, password: str = PASSWORD, ip: str = "10.1.1.1"):
    return client.post(reverse(LOGIN), {"username": phone, "password": password}, REMOTE_ADDR=ip)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def two_factor_on(settings):
    settings.YILIAN_2FA_REQUIRED = True


# --- lockout ------------------------------------------------------------------------


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, staff_a):
    for _ in range(4):
        assert sign_in(client, staff_a.phone, "wrong-password").status_code == 200
    # The fifth failure locks, and says so.
    fifth = sign_in(client, staff_a.phone, "wrong-password")
    assert fifth.status_code == 429
    assert "data-locked" in fifth.content.decode()
    sixth = sign_in(client, staff_a.phone)
    assert sixth.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_counts_per_address_too(client, staff_a, staff_b):
    # Five different accounts tried from one address lock the address.
    for _ in range(5):
        sign_in(client, "13999999999", "wrong-password", ip="10.9.9.9")
    assert sign_in(client, staff_b.phone, ip="10.9.9.9").status_code == 429
    # The same account from another address is not locked.
    assert sign_in(Client(), staff_b.phone, ip="10.8.8.8").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, staff_a):
    for _ in range(4):
        sign_in(client, staff_a.phone, "wrong-password")
    assert sign_in(client, staff_a.phone).status_code == 302
    other = Client()
    for _ in range(4):
        sign_in(other, staff_a.phone, "wrong-password")
    assert sign_in(other, staff_a.phone).status_code == 302


def test_the_security_admin_unlocks_an_account(client, staff_a, make_user, lead_hospital):
    from yilian.accounts.roles import Role

    security_admin = make_user(Role.SECURITY_ADMIN, hospital=lead_hospital, name="安全管理员")
    for _ in range(5):
        sign_in(Client(), staff_a.phone, "wrong-password")
    assert [lock["username"] for lock in selectors.locked_accounts()] == [staff_a.phone]

    admin = Client()
    admin.force_login(security_admin)
    page = admin.get(reverse("security:lockouts"))
    assert staff_a.phone in page.content.decode()
    admin.post(reverse("security:lockouts"), {"username": staff_a.phone})

    assert selectors.locked_accounts() == []
    assert sign_in(client, staff_a.phone).status_code == 302


def test_only_the_security_admin_sees_lockouts(client, staff_a, platform_admin):
    client.force_login(platform_admin)
    assert client.get(reverse("security:lockouts")).status_code == 403


# --- two factors ----------------------------------------------------------------------


def test_a_manager_without_a_device_is_sent_to_enrolment_not_in(client, manager, two_factor_on):
    assert sign_in(client, manager.phone).status_code == 302
    home = client.get(reverse("web:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("security:two_factor_setup"))
    # Nothing else opens either, and the API says so.
    assert client.get(reverse("workflow:workbench")).status_code == 302


def test_enrolment_confirms_the_device_shows_recovery_codes_and_lets_in(
    client, manager, two_factor_on, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # retry at once after the wrong code
    sign_in(client, manager.phone)
    setup = client.get(reverse("security:two_factor_setup"))
    assert setup.status_code == 200
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)

    wrong = client.post(reverse("security:two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 422

    done = client.post(reverse("security:two_factor_setup"), {"code": code_of(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == services.RECOVERY_CODES
    assert client.get(reverse("web:home")).status_code == 200


def test_next_sign_in_asks_for_the_code_and_takes_a_recovery_code_once(
    client, manager, two_factor_on
):
    sign_in(client, manager.phone)
    client.get(reverse("security:two_factor_setup"))
    device = TOTPDevice.objects.get(user=manager)
    codes = client.post(reverse("security:two_factor_setup"), {"code": code_of(device)}).context[
        "codes"
    ]
    client.post(reverse("accounts:logout"))

    again = Client()
    sign_in(again, manager.phone)
    sent = again.get(reverse("web:home"))
    assert sent["Location"].startswith(reverse("security:two_factor_verify"))
    assert again.post(reverse("security:two_factor_verify"), {"code": "123456"}).status_code == 422
    assert again.post(reverse("security:two_factor_verify"), {"code": codes[0]}).status_code == 302
    assert again.get(reverse("web:home")).status_code == 200

    third = Client()
    sign_in(third, manager.phone)
    assert third.post(reverse("security:two_factor_verify"), {"code": codes[0]}).status_code == 422


def test_staff_without_a_device_are_not_asked(client, staff_a, two_factor_on):
    sign_in(client, staff_a.phone)
    assert client.get(reverse("web:home")).status_code == 200


@pytest.mark.parametrize(
    "role", ["platform_admin", "security_admin", "auditor", "manager", "expert"]
)
def test_every_role_that_needs_two_factors_is_asked(
    client, make_user, lead_hospital, role, two_factor_on
):
    person = make_user(role, hospital=lead_hospital, name="测试")
    sign_in(client, person.phone)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security:two_factor_setup"))


def test_a_security_admin_resets_a_lost_device(client, manager, make_user, lead_hospital):
    from yilian.accounts.roles import Role

    TOTPDevice.objects.create(user=manager, name="authenticator", confirmed=True)
    security_admin = make_user(Role.SECURITY_ADMIN, hospital=lead_hospital, name="安全管理员")
    admin = Client()
    admin.force_login(security_admin)
    reset = admin.post(reverse("security:reset_two_factor"), {"phone": manager.phone})
    assert reset.status_code == 302, reset.status_code
    assert reset["Location"] == reverse("security:lockouts"), reset["Location"]
    assert not TOTPDevice.objects.filter(user=manager).exists()


# --- session limits -------------------------------------------------------------------


def test_an_idle_session_expires(client, staff_a, settings):
    settings.YILIAN_IDLE_TIMEOUT_MINUTES = 30
    sign_in(client, staff_a.phone)
    assert client.get(reverse("web:home")).status_code == 200
    session = client.session
    session["last_seen"] = time.time() - 31 * 60
    session.save()
    expired = client.get(reverse("web:home"))
    assert expired.status_code == 302
    assert expired["Location"].startswith(reverse(LOGIN))
    assert "expired=idle" in expired["Location"]
    assert "_auth_user_id" not in client.session


def test_an_active_session_ends_at_its_absolute_lifetime(client, staff_a, settings):
    settings.SESSION_COOKIE_AGE = 12 * 3600
    sign_in(client, staff_a.phone)
    session = client.session
    session["signed_in_at"] = time.time() - 12 * 3600 - 1
    session.save()
    expired = client.get(reverse("web:home"))
    assert "expired=lifetime" in expired["Location"]


def test_a_password_change_signs_out_the_other_sessions(client, staff_a):
    sign_in(client, staff_a.phone)
    other = Client()
    sign_in(other, staff_a.phone)
    assert other.get(reverse("web:home")).status_code == 200

    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Horse-42",
            "new_password2": "Another-Horse-42",
        },
    )
    assert changed.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200  # this browser stays in
    assert other.get(reverse("web:home")).status_code == 302  # the other is signed out


def test_disabling_an_account_ends_its_sessions(client, staff_a, hospital_admin_a):
    sign_in(client, staff_a.phone)
    key = client.session.session_key
    assert AccountSession.objects.filter(session_key=key, ended_at__isnull=True).exists()
    set_account_enabled(staff_a, actor=hospital_admin_a, enabled=False)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("web:home")).status_code == 302


def test_a_person_sees_their_sign_ins_and_ends_other_sessions(client, staff_a):
    other = Client()
    sign_in(other, staff_a.phone, ip="10.2.2.2")
    sign_in(client, staff_a.phone, ip="10.3.3.3")
    page = client.get(reverse("security:account"))
    assert page.status_code == 200
    assert "10.2.2.2" in page.content.decode()
    client.post(reverse("security:account"), {"action": "end_other_sessions"})
    assert other.get(reverse("web:home")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 200


def test_a_password_alone_cannot_replace_the_enrolled_device(client, manager, two_factor_on):
    """Someone who knows only the password must not enrol their own authenticator."""
    sign_in(client, manager.phone)
    client.get(reverse("security:two_factor_setup"))
    owner_device = TOTPDevice.objects.get(user=manager)
    client.post(reverse("security:two_factor_setup"), {"code": code_of(owner_device)})

    intruder = Client()
    sign_in(intruder, manager.phone)
    setup = intruder.get(reverse("security:two_factor_setup"))
    assert setup.status_code == 302
    assert setup["Location"].startswith(reverse("security:two_factor_verify"))
    refused = intruder.post(reverse("security:two_factor_setup"), {"code": "123456"})
    assert refused.status_code == 302
    assert list(TOTPDevice.objects.filter(user=manager)) == [owner_device]
    assert intruder.get(reverse("web:home")).status_code == 302
