"""Separation of duties (三员分立): the system (platform) administrator, the security
administrator and the auditor are three roles that one account never combines, and none of
them can do the others' work:

- the system administrator manages people and hospitals, but cannot read or export the
  audit trail, lift lockouts or reset second factors (not through the Django admin either);
- the security administrator lifts lockouts and resets second factors, and reads the trail,
  but manages no people or hospitals (ARCHITECTURE §3 and §11);
- the auditor reads and exports the trail and changes nothing: every URL of the site is
  sent POST, PUT, PATCH and DELETE as the auditor, and every one is refused with nothing
  changed in any table;
- nobody changes the roles of their own account.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from itertools import permutations

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from yilian.accounts import services as accounts
from yilian.accounts.models import RoleAssignment
from yilian.accounts.roles import SEPARATED_ROLES, Role
from yilian.audit.models import AuditEntry
from yilian.audit.services import record
from yilian.security.policy import AUDITOR_MAY_WRITE

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
REFUSED = {403, 404, 405}

# The auditor's own account is theirs to look after (signing in and out, password, second
# factor, sessions, profile, language), and a patient's identifier is searched in a request
# body: these pages take writes from an auditor (yilian/security/policy.py).
EXEMPT = AUDITOR_MAY_WRITE


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    """Messages are asserted in their English source form."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def auditor(make_user, lead_hospital):
    return make_user(Role.AUDITOR, hospital=lead_hospital, name="审计员")


@pytest.fixture
def security_admin(make_user, lead_hospital):
    return make_user(Role.SECURITY_ADMIN, hospital=lead_hospital, name="安全管理员")


# --- one person, one duty -------------------------------------------------------------------


@pytest.mark.parametrize(("held", "wanted"), list(permutations(sorted(SEPARATED_ROLES), 2)))
def test_one_account_never_holds_two_of_the_three_duties(make_user, held, wanted):
    person = make_user(held)

    with pytest.raises(ValidationError, match="separation of duties"):
        accounts.grant_role(person, wanted)

    assert set(RoleAssignment.objects.filter(user=person).values_list("role", flat=True)) == {held}


@pytest.mark.parametrize("held", [Role.SECURITY_ADMIN, Role.PLATFORM_ADMIN])
def test_a_platform_admin_cannot_make_another_duty_holder_an_auditor(
    platform_admin, make_user, held, login
):
    person = make_user(held)

    response = login(platform_admin).post(
        reverse("accounts:person_role", args=[person.public_id]),
        {"op": "grant", "role": Role.AUDITOR},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert "separation of duties" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=person, role=Role.AUDITOR).exists()


@pytest.mark.parametrize("role", list(Role))
def test_nobody_changes_the_roles_of_their_own_account(make_user, lead_hospital, role):
    me = make_user(role, hospital=lead_hospital)
    before = set(RoleAssignment.objects.values_list("user_id", "role"))

    for wanted in Role:
        for change in (accounts.assign_role, accounts.withdraw_role):
            with pytest.raises((PermissionDenied, Http404)):
                change(me, wanted, actor=me)

    assert set(RoleAssignment.objects.values_list("user_id", "role")) == before


@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.HOSPITAL_ADMIN])
def test_the_role_page_refuses_ones_own_account(make_user, lead_hospital, login, role):
    me = make_user(role, hospital=lead_hospital)
    before = set(RoleAssignment.objects.values_list("user_id", "role"))

    response = login(me).post(
        reverse("accounts:person_role", args=[me.public_id]),
        {"op": "grant", "role": Role.MANAGER},
    )

    assert response.status_code in {403, 404}
    assert set(RoleAssignment.objects.values_list("user_id", "role")) == before


# --- the system administrator ------------------------------------------------------------------

AUDIT_PAGES = ("audit:entries", "audit:export", "audit:export_xlsx", "audit:archives")


@pytest.mark.parametrize("name", AUDIT_PAGES)
def test_the_system_admin_cannot_read_or_export_the_trail(platform_admin, staff_a, login, name):
    record(None, action="view", actor=staff_a)

    response = login(platform_admin).get(reverse(name))

    assert response.status_code == 403
    assert AuditEntry.objects.count() == 1


def test_the_system_admin_finds_no_audit_event_through_fhir(platform_admin, staff_a, login):
    record(None, action="view", actor=staff_a)

    response = login(platform_admin).get("/fhir/r4/AuditEvent")

    assert response.status_code in {200, 403}
    if response.status_code == 200:
        assert response.json().get("total", 0) == 0
        assert not response.json().get("entry")


def _lock_out(phone: str) -> AccessAttempt:
    return AccessAttempt.objects.create(
        username=phone,
        ip_address="10.9.9.9",
        user_agent="test",
        failures_since_start=99,
        attempt_time=timezone.now(),
    )


def test_the_system_admin_cannot_lift_lockouts_or_reset_second_factors(
    platform_admin, staff_a, login
):
    attempt = _lock_out(staff_a.phone)
    device = TOTPDevice.objects.create(user=staff_a, name="phone", confirmed=True)
    client = login(platform_admin)

    assert client.get(reverse("security:lockouts")).status_code == 403
    assert client.post(reverse("security:lockouts"), {"username": staff_a.phone}).status_code == 403
    assert (
        client.post(reverse("security:reset_two_factor"), {"phone": staff_a.phone}).status_code
        == 403
    )

    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_django_admin_offers_no_lockouts_or_second_factors(make_user, client):
    superuser = make_user(Role.PLATFORM_ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)

    assert client.get("/django-admin/").status_code == 200
    for model in (
        "axes/accessattempt",
        "axes/accesslog",
        "otp_totp/totpdevice",
        "otp_static/staticdevice",
    ):
        assert client.get(f"/django-admin/{model}/").status_code == 404, model


def test_the_security_admin_lifts_a_lockout(security_admin, staff_a, login):
    _lock_out(staff_a.phone)

    response = login(security_admin).post(reverse("security:lockouts"), {"username": staff_a.phone})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=staff_a.phone).exists()


# --- the security administrator ------------------------------------------------------------


def test_the_security_admin_manages_no_people_or_hospitals(
    security_admin, staff_a, login, hospital_a
):
    client = login(security_admin)
    before = set(RoleAssignment.objects.values_list("user_id", "role"))

    for name in ("accounts:people", "accounts:registrations", "accession:applications"):
        assert client.get(reverse(name)).status_code == 403, name
    for name, data in (
        ("accounts:person_role", {"op": "grant", "role": Role.MANAGER}),
        ("accounts:person_enabled", {"enabled": "0"}),
        ("accounts:person_reset", {}),
    ):
        response = client.post(reverse(name, args=[staff_a.public_id]), data)
        assert response.status_code == 403, name
    with pytest.raises((PermissionDenied, Http404)):
        accounts.assign_role(staff_a, Role.MANAGER, actor=security_admin)

    staff_a.refresh_from_db()
    assert staff_a.is_active
    assert set(RoleAssignment.objects.values_list("user_id", "role")) == before


# --- the auditor ------------------------------------------------------------------------------

_SAMPLES = {
    "uuid": lambda: str(uuid.uuid4()),
    "int": lambda: "1",
    "slug": lambda: "x",
    "str": lambda: "x",
    "path": lambda: "x",
}


def _value(converter: str) -> str:
    return _SAMPLES.get(converter, _SAMPLES["str"])()


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """Every URL pattern of the site as (name, a path that reaches it)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = namespace
            if entry.namespace:
                space = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + _sample(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", prefix + _sample(entry.pattern)


def _sample(pattern) -> str:
    route = getattr(pattern, "_route", None)
    if route is not None:
        return re.sub(
            r"<(?:(\w+):)?\w+>",
            lambda m: _SAMPLES.get(m.group(1) or "str", _SAMPLES["str"])(),
            route,
        )
    regex = pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
    return re.sub(r"\(\?P<\w+>[^)]*\)", "x", regex).replace("\\", "")


def _site_urls() -> list[tuple[str, str]]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def _snapshot() -> dict[str, str]:
    """A digest of every row of every table (the session store aside: a request refreshes
    the auditor's own session)."""
    digests = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table in {"django_session"}:
                continue
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {name}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def test_the_sweep_reaches_every_part_of_the_site():
    urls = dict(_site_urls())

    assert len(urls) > 150
    for name in ("audit:entries", "accounts:person_role", "security:lockouts", "patients:list"):
        assert name in urls, name
    assert any(path.startswith("/api/v1/") or path.startswith("api/v1/") for path in urls.values())


def test_the_auditor_can_change_nothing_anywhere(auditor, login, staff_a, patient_record_for_sweep):
    client = login(auditor)
    record(None, action="view", actor=staff_a)
    before = _snapshot()
    accepted = []

    for name, path in _site_urls():
        if name in EXEMPT:
            continue
        for method in WRITE_METHODS:
            response = getattr(client, method)("/" + path.lstrip("/"))
            if response.status_code not in REFUSED:
                accepted.append((method.upper(), name, path, response.status_code))

    assert accepted == [], "\n".join(map(str, accepted))
    assert _snapshot() == before


def test_the_auditors_own_account_pages_are_the_only_exceptions():
    names = {name for name, _path in _site_urls()}

    assert names >= EXEMPT


@pytest.mark.parametrize("name", [*AUDIT_PAGES, "accounts:role_changes"])
def test_the_auditor_reads_the_audit_pages(auditor, login, staff_a, name):
    record(None, action="view", actor=staff_a)

    response = login(auditor).get(reverse(name))

    assert response.status_code == 200


@pytest.fixture
def patient_record_for_sweep(hospital_a, staff_a):
    from yilian.patients.models import Patient

    return Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)
