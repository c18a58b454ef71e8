"""Passwords: Argon2 first; Django's common list plus the passwords most common on Chinese
sites; never the account's own mobile number."""

from __future__ import annotations

import gzip

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from conftest import PASSWORD
from yilian import settings as project_settings
from yilian.accounts.models import User
from yilian.security.passwords import (
    CHINESE_COMMON_PASSWORDS,
    CommonPasswordValidator,
    PhoneNumberValidator,
)


@pytest.fixture(autouse=True)
def _project_validators(settings):
    settings.AUTH_PASSWORD_VALIDATORS = project_settings.AUTH_PASSWORD_VALIDATORS


def refusal_codes(password: str, user=None) -> set[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as refused:
        return {error.code for error in refused.error_list}
    return set()


def test_argon2_hashes_new_passwords_and_older_hashes_still_verify(settings):
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert make_password("Another-Horse-42").startswith("argon2$")


def test_the_chinese_list_is_bundled_with_hundreds_of_entries():
    with gzip.open(CHINESE_COMMON_PASSWORDS, "rt", encoding="utf-8") as f:
        entries = [line.strip() for line in f if line.strip()]
    assert len(entries) >= 300
    assert len(set(entries)) == len(entries)
    assert all(entry == entry.lower() for entry in entries)
    for expected in ("woaini1314", "5201314", "qq123456", "1qaz2wsx", "a1b2c3", "zxcvbnm"):
        assert expected in entries


@pytest.mark.parametrize(
    "password",
    [
        "woaini1314",
        "WoAiNi1314",  # case does not matter
        " qq123456789 ",
        "1qaz2wsx3edc",
        "a1b2c3d4e5",
        "woaini5201314",
        "zxcvbnm123",
        "yilian2025",
        "password123",  # Django's own list
        "iloveyou1314",
    ],
)
def test_common_passwords_are_refused(password):
    assert "password_too_common" in refusal_codes(password)


def test_the_chinese_entries_are_beyond_djangos_own_list():
    django_only = password_validation.CommonPasswordValidator()
    ours = CommonPasswordValidator()
    extra = {"woaini5201314", "qq5201314", "yilian123", "zhang1314"}
    assert not extra & django_only.passwords
    assert extra <= ours.passwords
    assert django_only.passwords <= ours.passwords


def test_the_refusal_says_why_in_both_languages():
    for language, expected in (("en", "This password is too common."), ("zh-hans", "太常见")):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            CommonPasswordValidator().validate("woaini1314")
        assert refused.value.code == "password_too_common"
        assert expected in refused.value.messages[0]


def test_a_strong_password_passes():
    assert refusal_codes("Lantern-Rivers-83") == set()


@pytest.mark.parametrize(
    "password",
    ["Xy13912345678", "13912345678Ab!", "pw-139-1234-5678-z", "Hello 139 1234 5678"],
)
def test_a_password_containing_the_own_mobile_number_is_refused(password):
    owner = User(phone="13912345678", name="王医生")
    assert "password_contains_phone" in refusal_codes(password, owner)
    stranger = User(phone="13800000001", name="李医生")
    assert "password_contains_phone" not in refusal_codes(password, stranger)


def test_the_phone_rule_needs_a_user_with_a_number():
    PhoneNumberValidator().validate("13912345678-Long-Enough")  # no user: nothing to compare
    PhoneNumberValidator().validate("13912345678-Long-Enough", User(phone=""))


def test_the_password_change_page_refuses_the_own_number_and_keeps_the_old(client, staff_a):
    client.force_login(staff_a)
    new = f"Aa-{staff_a.phone}"
    with translation.override("en"):
        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "must not contain your mobile number" in response.content.decode()
    staff_a.refresh_from_db()
    assert staff_a.check_password(PASSWORD)


def test_the_password_change_page_refuses_a_common_chinese_password(client, staff_a):
    client.force_login(staff_a)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "woaini5201314",
            "new_password2": "woaini5201314",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    staff_a.refresh_from_db()
    assert staff_a.check_password(PASSWORD)
