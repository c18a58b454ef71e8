"""The member-hospital directory and a hospital's page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from yilian.accounts.roles import Role
from yilian.core.tests.html import parse
from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import DepartmentFactory, HospitalFactory, RoomFactory, TeamFactory
from yilian.orgs.tests.factories import division as make_division


@pytest.fixture
def township_js(lead_hospital) -> Hospital:
    """A township community health centre in Jiangsu."""
    return HospitalFactory(
        name="溧阳市社渚镇卫生院",
        alliance=lead_hospital.alliance,
        tier=Hospital.Tier.TOWNSHIP,
        category=Hospital.Category.COMMUNITY,
        grade=Hospital.Grade.GRADE_1,
        division=make_division("320400", "常州市"),
    )


@pytest.fixture
def applying(lead_hospital) -> Hospital:
    return HospitalFactory(
        name="申请加入医院",
        alliance=lead_hospital.alliance,
        tier=Hospital.Tier.CITY,
        status=Hospital.Status.APPLYING,
    )


def _names(response) -> list[str]:
    """Hospital names in the results table, in order."""
    return [a.text for a in parse(response).one("tbody").find_all("a")]


def _count(response) -> int:
    match = re.search(r"\d+", parse(response).one(id="result-count").text)
    assert match is not None
    return int(match.group())


def _many(lead_hospital, n: int) -> list[Hospital]:
    return [
        HospitalFactory(name=f"批量医院{i:03d}", alliance=lead_hospital.alliance) for i in range(n)
    ]


def test_directory_lists_member_hospitals_with_the_lead_first(
    login, staff_a, lead_hospital, hospital_a, hospital_b
):
    response = login(staff_a).get(reverse("web:hospitals"))

    assert response.status_code == 200
    names = _names(response)
    assert names[0] == lead_hospital.name
    assert sorted(names[1:]) == sorted([hospital_a.name, hospital_b.name])
    assert _count(response) == 3


def test_directory_search_by_name(login, staff_a, hospital_a, hospital_b):
    response = login(staff_a).get(reverse("web:hospitals"), {"query": "桐庐"})

    assert _names(response) == [hospital_a.name]


def test_directory_filters_by_province(login, staff_a, hospital_a, township_js):
    response = login(staff_a).get(reverse("web:hospitals"), {"province": "320000"})

    assert _names(response) == [township_js.name]


def test_directory_filters_by_tier(login, staff_a, lead_hospital, hospital_a, township_js):
    client = login(staff_a)

    province = client.get(reverse("web:hospitals"), {"tier": Hospital.Tier.PROVINCE})
    township = client.get(reverse("web:hospitals"), {"tier": Hospital.Tier.TOWNSHIP})

    assert _names(province) == [lead_hospital.name]
    assert _names(township) == [township_js.name]


def test_directory_filters_by_category(login, staff_a, hospital_a, township_js):
    response = login(staff_a).get(
        reverse("web:hospitals"), {"category": Hospital.Category.COMMUNITY}
    )

    assert _names(response) == [township_js.name]


def test_directory_combines_filters_and_shows_an_empty_state(login, staff_a, township_js):
    response = login(staff_a).get(
        reverse("web:hospitals"), {"province": "330000", "category": Hospital.Category.COMMUNITY}
    )

    page = parse(response)
    assert page.find(data_empty=True) is not None
    assert page.find("tbody") is None
    assert _count(response) == 0


def test_directory_keeps_the_chosen_filters_in_the_form(login, staff_a, township_js):
    response = login(staff_a).get(
        reverse("web:hospitals"), {"province": "320000", "tier": "township", "query": "社渚"}
    )

    page = parse(response)
    selected = {
        s.get("name"): [o.get("value") for o in s.find_all("option") if "selected" in o.attrs]
        for s in page.find_all("select")
    }
    assert selected["province"] == ["320000"]
    assert selected["tier"] == ["township"]
    assert page.one("input", name="query").get("value") == "社渚"


def test_directory_paginates_twenty_a_page(login, staff_a, lead_hospital, hospital_a, hospital_b):
    _many(lead_hospital, 40)
    client = login(staff_a)

    pages = [client.get(reverse("web:hospitals"), {"page": n}) for n in (1, 2, 3)]

    sizes = [len(_names(p)) for p in pages]
    assert sizes == [20, 20, 3]
    seen = [name for p in pages for name in _names(p)]
    assert len(set(seen)) == 43
    assert seen[0] == lead_hospital.name
    assert _count(pages[0]) == 43
    assert parse(pages[0]).find("a", href="?page=2") is not None


def test_pager_links_keep_the_filters(login, staff_a, lead_hospital):
    _many(lead_hospital, 25)

    response = login(staff_a).get(reverse("web:hospitals"), {"query": "批量"})

    assert _count(response) == 25
    assert parse(response).find("a", href="?query=%E6%89%B9%E9%87%8F&page=2") is not None


def test_htmx_request_returns_only_the_results_partial(login, staff_a, hospital_a):
    response = login(staff_a).get(
        reverse("web:hospitals"), {"query": "桐庐"}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "<form" not in body
    assert body.lstrip().startswith('<div id="results">')
    assert _names(response) == [hospital_a.name]


@pytest.mark.parametrize("extra", [5, 40])
@pytest.mark.parametrize("viewer", ["staff_a", "manager"])
def test_directory_query_count_does_not_grow_with_hospitals(
    request, login, lead_hospital, django_assert_max_num_queries, extra, viewer
):
    _many(lead_hospital, extra)
    client = login(request.getfixturevalue(viewer))

    with django_assert_max_num_queries(8):
        response = client.get(reverse("web:hospitals"))

    assert len(_names(response)) == min(20, extra + 1 + (viewer == "staff_a"))


def test_applying_hospital_is_404_for_staff_of_another_hospital(login, staff_b, applying):
    response = login(staff_b).get(reverse("web:hospital_detail", args=[applying.public_id]))

    assert response.status_code == 404


def test_applying_hospital_is_absent_from_the_directory_for_staff(login, staff_b, applying):
    response = login(staff_b).get(reverse("web:hospitals"), {"status": "applying"})

    assert _count(response) == 0


def test_applying_hospital_is_visible_to_a_platform_manager(login, manager, applying):
    client = login(manager)

    detail = client.get(reverse("web:hospital_detail", args=[applying.public_id]))
    listed = client.get(reverse("web:hospitals"), {"status": Hospital.Status.APPLYING})

    assert detail.status_code == 200
    assert applying.name in parse(detail).one("h1").text
    assert _names(listed) == [applying.name]


def test_applying_hospital_is_visible_to_its_own_people(login, make_user, applying):
    own = make_user(Role.HOSPITAL_ADMIN, hospital=applying, name="申请院管理员")

    response = login(own).get(reverse("web:hospital_detail", args=[applying.public_id]))

    assert response.status_code == 200


def test_hospital_page_lists_active_departments_teams_and_rooms(login, staff_b, hospital_a, expert):
    DepartmentFactory(hospital=hospital_a, name="心血管内科")
    DepartmentFactory(hospital=hospital_a, name="撤销科室", is_active=False)
    TeamFactory(hospital=hospital_a, name="胸痛会诊组", lead=expert)
    TeamFactory(hospital=hospital_a, name="解散的组", is_active=False)
    RoomFactory(hospital=hospital_a, name="一号云诊室")

    response = login(staff_b).get(reverse("web:hospital_detail", args=[hospital_a.public_id]))

    text = parse(response).one("main").text
    assert response.status_code == 200
    assert "心血管内科" in text
    assert "胸痛会诊组" in text
    assert "王专家" in text
    assert "一号云诊室" in text
    assert "撤销科室" not in text
    assert "解散的组" not in text


def test_unknown_hospital_is_404(login, staff_a):
    response = login(staff_a).get(
        reverse("web:hospital_detail", args=["00000000-0000-0000-0000-000000000000"])
    )

    assert response.status_code == 404


def test_directory_needs_login(client, hospital_a):
    response = client.get(reverse("web:hospitals"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
