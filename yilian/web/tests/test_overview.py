"""The alliance overview: institutions, provinces and tier/category mix of active members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.accounts.roles import Role
from yilian.core.tests.html import parse
from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import HospitalFactory, division


@pytest.fixture
def alliance(lead_hospital, hospital_a, hospital_b) -> list[Hospital]:
    """Four active members (province 1, county 2, township 1; general 3, community 1) in two
    provinces, plus hospitals that are not (or no longer) members and must not be counted."""
    township = HospitalFactory(
        name="溧阳市社渚镇卫生院",
        alliance=lead_hospital.alliance,
        tier=Hospital.Tier.TOWNSHIP,
        category=Hospital.Category.COMMUNITY,
        division=division("320400", "常州市"),
    )
    for status in (Hospital.Status.APPLYING, Hospital.Status.WITHDRAWN):
        HospitalFactory(
            alliance=lead_hospital.alliance,
            tier=Hospital.Tier.CITY,
            category=Hospital.Category.SPECIALIST,
            division=division("110000", "北京市"),
            status=status,
        )
    return [lead_hospital, hospital_a, hospital_b, township]


def _shares(block) -> dict[str, str]:
    """data-share key → "count · percent%" as shown."""
    return {
        s.get("data-share"): s.find_all("span")[1].text for s in block.find_all(data_share=True)
    }


def test_manager_sees_counts_and_tier_shares_matching_the_data(login, manager, alliance):
    response = login(manager).get(reverse("web:overview"))

    page = parse(response)
    assert response.status_code == 200
    assert page.one(id="stat-institutions").text == "4"
    assert page.one(id="stat-provinces").text == "2 / 31"
    cards = page.find_all("div", class_="card-body")
    tiers, categories = (_shares(card) for card in cards if card.find(data_share=True))
    assert tiers == {"province": "1 · 25.0%", "county": "2 · 50.0%", "township": "1 · 25.0%"}
    assert categories == {"general": "3 · 75.0%", "community": "1 · 25.0%"}


def test_overview_counts_active_users_only(login, manager, staff_a, pending_staff_a, patient):
    response = login(manager).get(reverse("web:overview"))

    stats = [s.text for s in parse(response).find_all(class_="yl-stat")]
    # manager, hospital admin A, staff A, patient — not the pending registration
    assert stats[2] == "4"


@pytest.mark.parametrize("viewer", ["platform_admin", "hospital_admin_a"])
def test_other_management_roles_may_open_the_overview(request, login, alliance, viewer):
    response = login(request.getfixturevalue(viewer)).get(reverse("web:overview"))

    assert response.status_code == 200
    assert parse(response).one(id="stat-institutions").text == "4"


@pytest.mark.parametrize("viewer", ["staff_a", "expert", "patient"])
def test_overview_is_403_for_members_without_a_management_role(request, login, hospital_a, viewer):
    response = login(request.getfixturevalue(viewer)).get(reverse("web:overview"))

    assert response.status_code == 403


def test_overview_with_no_members_shows_no_shares(login, make_user, db):
    admin = make_user(Role.PLATFORM_ADMIN, name="空联盟管理员")

    response = login(admin).get(reverse("web:overview"))

    page = parse(response)
    assert page.one(id="stat-institutions").text == "0"
    assert page.find(data_share=True) is None
