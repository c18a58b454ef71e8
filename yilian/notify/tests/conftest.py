import pytest

from yilian.accounts.roles import Role


@pytest.fixture
def staff_a(make_user, hospital_a):
    """A member of staff with an empty inbox (the cast's staff_a holds their approval)."""
    return make_user(Role.STAFF, hospital=hospital_a, name="赵医生")


@pytest.fixture
def staff_b(make_user, hospital_b):
    return make_user(Role.STAFF, hospital=hospital_b, name="钱医生")
