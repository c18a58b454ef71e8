"""The standard cast for every test: the lead hospital's platform people, two member
hospitals (A and B) each with an admin and staff, a pending registration, a patient.

People are made through the account services, as the application makes them."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from yilian.accounts import services as account_services
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Department, Hospital, Specialty
from yilian.orgs.tests.factories import DepartmentFactory, HospitalFactory, division

PASSWORD = "Correct-Horse-9"
_phones = itertools.count(13700000001)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # Argon2 is what production uses; tests need thousands of logins, not its cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_file_store(settings, tmp_path) -> None:
    # Uploads land in the test's own folder, never in the working copy's data directory.
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _own_cache_keys(settings) -> None:
    """Counts kept in the cache (rate limits) start from zero in every test: each test
    gets keys of its own. (Clearing the cache would flush a Redis database that tests
    running in parallel, and their task queues, share.)"""
    test = uuid.uuid4().hex[:12]
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"{config.get('KEY_PREFIX', '')}:{test}"}
        for name, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _fresh_dependency_probes() -> None:
    """Each test probes Redis, Janus, nginx-rtmp and Orthanc afresh, as its settings say."""
    from yilian.core import health

    health.forget()


@pytest.fixture
def lead_hospital(db) -> Hospital:
    return HospitalFactory(
        name="浙江省人民医院",
        tier=Hospital.Tier.PROVINCE,
        grade=Hospital.Grade.GRADE_3A,
        is_lead=True,
        division=division("330000", "浙江省"),
    )


@pytest.fixture
def hospital_a(lead_hospital) -> Hospital:
    return HospitalFactory(
        name="桐庐县人民医院",
        alliance=lead_hospital.alliance,
        division=division("330100", "杭州市"),
    )


@pytest.fixture
def hospital_b(lead_hospital) -> Hospital:
    return HospitalFactory(
        name="平阳县人民医院",
        alliance=lead_hospital.alliance,
        division=division("330300", "温州市"),
    )


@pytest.fixture
def department_a(hospital_a) -> Department:
    return DepartmentFactory(hospital=hospital_a, name="心血管内科", specialty=Specialty.CARDIOLOGY)


def create_member(
    *roles: str, hospital: Hospital | None = None, name: str = "测试用户", **fields
) -> User:
    """An active member with the given roles (what account allocation produces)."""
    user = User.objects.create_user(
        phone=str(next(_phones)),
        password=PASSWORD,
        name=name,
        hospital=hospital,
        status=User.Status.ACTIVE,
        **fields,
    )
    for role in roles:
        account_services.grant_role(user, role)
    return user


def register_doctor(hospital: Hospital, department: Department | None, name: str) -> User:
    """A doctor's own registration, waiting for their hospital's administrator."""
    return account_services.register_staff(
        phone=str(next(_phones)),
        name=name,
        password=PASSWORD,
        hospital=hospital,
        department=department,
        title=User.Title.ATTENDING_PHYSICIAN,
    )


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """``create_member``: an active member with the given roles, the database ready."""
    return create_member


@pytest.fixture
def platform_admin(make_user, lead_hospital) -> User:
    return make_user(Role.PLATFORM_ADMIN, hospital=lead_hospital, name="平台管理员")


@pytest.fixture
def manager(make_user, lead_hospital) -> User:
    return make_user(Role.MANAGER, hospital=lead_hospital, name="管理团队")


@pytest.fixture
def expert(make_user, lead_hospital) -> User:
    return make_user(
        Role.EXPERT, hospital=lead_hospital, name="王专家", title=User.Title.CHIEF_PHYSICIAN
    )


@pytest.fixture
def hospital_admin_a(make_user, hospital_a) -> User:
    return make_user(Role.HOSPITAL_ADMIN, hospital=hospital_a, name="甲院管理员")


@pytest.fixture
def hospital_admin_b(make_user, hospital_b) -> User:
    return make_user(Role.HOSPITAL_ADMIN, hospital=hospital_b, name="乙院管理员")


@pytest.fixture
def pending_staff_a(hospital_a, department_a, hospital_admin_a) -> User:
    return register_doctor(hospital_a, department_a, "李待审")


@pytest.fixture
def staff_a(hospital_a, department_a, hospital_admin_a) -> User:
    user = register_doctor(hospital_a, department_a, "赵医生")
    return account_services.approve_registration(user, actor=hospital_admin_a)


@pytest.fixture
def staff_b(hospital_b, hospital_admin_b) -> User:
    user = register_doctor(hospital_b, None, "钱医生")
    return account_services.approve_registration(user, actor=hospital_admin_b)


@pytest.fixture
def patient(make_user) -> User:
    return make_user(Role.PATIENT, name="孙患者")


@pytest.fixture
def login(client) -> Callable[[User], Client]:
    def as_user(user: User) -> Client:
        client.force_login(user)
        return client

    return as_user
