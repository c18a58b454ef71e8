"""Personal access tokens: stored hashed, found by prefix, refused once revoked, expired
or when the owner's account is disabled; created and revoked (audited) on the account's
API tokens page, the token shown once."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone
from freezegun import freeze_time

from yilian.accounts.models import User
from yilian.audit.models import AuditAction, AuditEntry

from ..models import PersonalAccessToken
from ..services import MAX_TOKENS, create_token, revoke_token
from ..tokens import PREFIX_LENGTH, user_for_bearer


def _request(token: str):
    return RequestFactory().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_only_the_sha256_of_the_token_is_stored(staff_a):
    token, raw = create_token(staff_a, name="HIS", scope="read", days=30)
    row = PersonalAccessToken.objects.get(pk=token.pk)
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw[:PREFIX_LENGTH] == row.prefix
    stored = [
        str(v) for v in PersonalAccessToken.objects.filter(pk=token.pk).values().get().values()
    ]
    assert raw not in stored
    assert len(raw) > 50


def test_bearer_finds_the_owner_and_records_the_use(staff_a):
    token, raw = create_token(staff_a, name="HIS", scope="write", days=30)
    request = _request(raw)
    assert user_for_bearer(request) == staff_a
    assert request.api_token.pk == token.pk
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Basic abc", "Bearer", "Bearer yl0000000000_nothing-like-a-real-token-at-all"],
)
def test_no_or_unknown_bearer_is_nobody(db, header):
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=header)
    assert user_for_bearer(request) is None


def test_right_prefix_wrong_secret_is_nobody(staff_a):
    _token, raw = create_token(staff_a, name="HIS", scope="write", days=30)
    forged = raw[:PREFIX_LENGTH] + "_" + "x" * 43
    assert user_for_bearer(_request(forged)) is None


def test_revoked_token_stops_working(staff_a):
    token, raw = create_token(staff_a, name="HIS", scope="write", days=30)
    revoke_token(token, actor=staff_a)
    assert user_for_bearer(_request(raw)) is None


def test_expired_token_stops_working(staff_a):
    _token, raw = create_token(staff_a, name="HIS", scope="write", days=7)
    with freeze_time(timezone.now() + timedelta(days=7, seconds=1)):
        assert user_for_bearer(_request(raw)) is None
    with freeze_time(timezone.now() + timedelta(days=6)):
        assert user_for_bearer(_request(raw)) == staff_a


def test_disabled_users_token_stops_working(staff_a):
    _token, raw = create_token(staff_a, name="HIS", scope="write", days=30)
    User.objects.filter(pk=staff_a.pk).update(is_active=False)
    assert user_for_bearer(_request(raw)) is None
    User.objects.filter(pk=staff_a.pk).update(is_active=True, status=User.Status.DISABLED)
    assert user_for_bearer(_request(raw)) is None


def test_creation_and_revocation_are_audited(staff_a):
    token, _raw = create_token(staff_a, name="HIS", scope="read", days=30)
    revoke_token(token, actor=staff_a)
    revoke_token(token, actor=staff_a)  # twice: one entry
    entries = AuditEntry.objects.filter(
        object_type="api.personalaccesstoken", object_id=str(token.public_id)
    )
    assert sorted(entries.values_list("action", flat=True)) == sorted(
        [AuditAction.CREATE, AuditAction.UPDATE]
    )
    assert set(entries.values_list("actor", flat=True)) == {staff_a.pk}


def test_only_the_owner_revokes(staff_a, staff_b):
    token, raw = create_token(staff_a, name="HIS", scope="read", days=30)
    with pytest.raises(ValidationError):
        revoke_token(token, actor=staff_b)
    assert user_for_bearer(_request(raw)) == staff_a


def test_lifetime_scope_and_name_are_checked(staff_a):
    for bad in ({"days": 3650}, {"scope": "admin"}, {"name": "  "}):
        values = {"name": "HIS", "scope": "read", "days": 30} | bad
        with pytest.raises(ValidationError):
            create_token(staff_a, **values)
    assert not PersonalAccessToken.objects.exists()


def test_a_person_holds_a_bounded_number_of_tokens(staff_a):
    for n in range(MAX_TOKENS):
        create_token(staff_a, name=f"t{n}", scope="read", days=7)
    with pytest.raises(ValidationError):
        create_token(staff_a, name="one more", scope="read", days=7)
    assert PersonalAccessToken.objects.filter(user=staff_a).count() == MAX_TOKENS


# --- the page ----------------------------------------------------------------------------


def test_page_creates_a_token_and_shows_it_once(login, staff_a):
    client = login(staff_a)
    response = client.post(
        "/accounts/api-tokens/", {"name": "HIS 接口", "scope": "write", "days": "90"}
    )
    assert response.status_code == 200
    token = PersonalAccessToken.objects.get(user=staff_a)
    shown = response.content.decode()
    assert "data-new-token" in shown and token.prefix in shown
    raw = re.search(r'readonly value="([^"]+)"', shown).group(1)
    assert user_for_bearer(_request(raw)) == staff_a
    assert token.scope == "write" and token.name == "HIS 接口"
    assert "no-store" in response.headers["Cache-Control"]
    again = client.get("/accounts/api-tokens/").content.decode()
    assert raw not in again and token.prefix in again


def test_page_keeps_what_was_typed_when_refused(login, staff_a):
    response = login(staff_a).post(
        "/accounts/api-tokens/", {"name": "HIS", "scope": "write", "days": "5"}
    )
    assert response.status_code == 422
    assert 'value="HIS"' in response.content.decode()
    assert not PersonalAccessToken.objects.exists()


def test_page_revokes_after_confirmation(login, staff_a):
    token, raw = create_token(staff_a, name="HIS", scope="read", days=30)
    client = login(staff_a)
    url = f"/accounts/api-tokens/{token.public_id}/revoke/"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "HIS" in confirm.content.decode()
    assert user_for_bearer(_request(raw)) == staff_a  # asking changes nothing
    assert client.post(url).status_code == 302
    assert user_for_bearer(_request(raw)) is None


def test_someone_elses_token_is_not_found(login, staff_a, staff_b):
    token, raw = create_token(staff_a, name="HIS", scope="read", days=30)
    response = login(staff_b).post(f"/accounts/api-tokens/{token.public_id}/revoke/")
    assert response.status_code == 404
    assert user_for_bearer(_request(raw)) == staff_a


def test_account_menu_links_the_page(login, staff_a):
    page = login(staff_a).get("/accounts/profile/").content.decode()
    assert 'href="/accounts/api-tokens/"' in page
