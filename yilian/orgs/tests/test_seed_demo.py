"""The divisions migration and the demo-alliance seeder (yilian/orgs/demo.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Model
from django.test import RequestFactory

from yilian.accounts.models import RoleAssignment, User
from yilian.accounts.roles import Role
from yilian.orgs import demo
from yilian.orgs.models import (
    Alliance,
    Department,
    Division,
    Hospital,
    Room,
    Team,
    TeamService,
)

pytestmark = pytest.mark.django_db

SEEDED_MODELS: tuple[type[Model], ...] = (
    Alliance,
    Hospital,
    Department,
    User,
    RoleAssignment,
    Team,
    Team.members.through,
    TeamService,
    Room,
    Room.administrators.through,
)


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in SEEDED_MODELS}


def test_divisions_migration_loaded_all_provinces() -> None:
    provinces = Division.objects.filter(level=Division.Level.PROVINCE)
    assert provinces.count() == 31
    assert provinces.filter(code="110000", name="北京市").exists()
    assert provinces.filter(code="650000", name="新疆维吾尔自治区").exists()
    for province in provinces:
        assert province.children.count() >= 3, province
    for city in Division.objects.filter(level=Division.Level.CITY).exclude(
        parent__in=["110000", "120000", "310000", "500000"]
    ):
        assert city.children.count() >= 2, city
        assert city.code[:2] == str(city.parent_id)[:2]
    assert Division.objects.get(code="330122").name == "桐庐县"


def test_plan_is_deterministic_and_small_is_a_prefix_of_paper() -> None:
    paper = demo.build_plan()
    assert demo.build_plan().hospitals == paper.hospitals
    small = paper.for_scale("small")
    assert small.hospitals == paper.hospitals[: demo.SCALES["small"]]
    assert len({h.province_code for h in small.hospitals}) >= 10
    assert {h.tier for h in small.hospitals} == {"province", "city", "county"}
    assert {h.category for h in small.hospitals} == set(Hospital.Category.values)
    assert {u.phone for u in small.users} <= {u.phone for u in paper.users}


def test_small_scale_creates_working_demo_logins_for_every_role() -> None:
    demo.run_seed("small")

    assert Hospital.objects.count() == demo.SCALES["small"]
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert {d.role for d in demo.DEMO_LOGINS} == set(Role.values)
    for login in demo.DEMO_LOGINS:
        user = authenticate(
            RequestFactory().post("/accounts/login/"),
            phone=login.phone,
            password=demo.DEMO_PASSWORD,
        )
        assert user is not None, login
        assert user.name == login.name
        assert user.status == User.Status.ACTIVE
        assert user.has_role(login.role)
        assert (user.hospital.name if user.hospital else "") == login.hospital

    lead = Hospital.objects.get(is_lead=True)
    assert lead.name == demo.LEAD_HOSPITAL_NAME
    assert lead.tier == Hospital.Tier.PROVINCE
    admin = User.objects.get(phone="13800000006")
    staff = User.objects.get(phone="13800000007")
    assert admin.hospital == staff.hospital != lead
    assert admin.hospital.tier in (Hospital.Tier.CITY, Hospital.Tier.COUNTY)
    pending = User.objects.filter(status=User.Status.PENDING)
    assert pending.count() == 2
    assert all(u.hospital == admin.hospital and u.has_role(Role.STAFF) for u in pending)
    assert not User.objects.filter(role_assignments__isnull=True).exists()
    assert all(h.users.with_role(Role.HOSPITAL_ADMIN).count() == 1 for h in Hospital.objects.all())

    teams = Team.objects.filter(hospital=lead)
    assert teams.count() == len(demo.LEAD_TEAMS)
    for team in teams:
        assert team.lead is not None and team.lead.has_role(Role.EXPERT)
        # 4–6 drawn by the plan; other apps' demo steps may invite guests (the MDT team)
        assert team.members.count() >= 4
        assert team.services.exists()
    assert set(Room.objects.values_list("kind", flat=True)) == set(Room.Kind.values)
    assert all(r.administrators.filter(phone="13800000008").exists() for r in Room.objects.all())


def test_second_run_creates_nothing_new() -> None:
    demo.run_seed("small")
    before = _row_counts()

    out = StringIO()
    call_command("seed_demo", "--scale", "small", stdout=out)

    assert _row_counts() == before
    output = out.getvalue()
    assert "Nothing new was created" in output
    assert demo.DEMO_PASSWORD in output
    assert all(login.phone in output for login in demo.DEMO_LOGINS)


def test_paper_scale() -> None:
    result = demo.run_seed("paper")
    assert result.created["hospitals"] == 1021

    active = Hospital.objects.active()
    assert active.count() == Hospital.objects.count() == 1021
    assert active.values("province_code").distinct().count() == 31
    for tier, share in (("province", 9), ("city", 53), ("county", 38)):
        percent = 100 * active.filter(tier=tier).count() / 1021
        assert abs(percent - share) <= 1, (tier, percent)
    names = list(active.values_list("name", flat=True))
    assert len(set(names)) == len(names)
    for hospital in active.select_related("division"):
        assert hospital.province_code == hospital.division.province_code
        assert hospital.division.level == hospital.tier
        assert 5 <= hospital.departments.count() <= 8
    assert set(active.values_list("category", flat=True)) == set(Hospital.Category.values)
    assert (
        User.objects.exclude(status=User.Status.PENDING).exclude(status=User.Status.ACTIVE).count()
        == 0
    )
    assert User.objects.filter(hospital__isnull=False).count() >= 1021 * 4

    # The smaller scale is already contained in the larger one.
    before = _row_counts()
    assert demo.run_seed("small").total == 0
    assert demo.run_seed("paper").total == 0
    assert _row_counts() == before
