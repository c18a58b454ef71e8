"""Editing one's own profile: only the profile fields change."""

from __future__ import annotations

from django.urls import reverse

from yilian.accounts.models import User
from yilian.core.tests.html import field_errors, parse
from yilian.orgs.tests.factories import DepartmentFactory


def _snapshot(user: User) -> dict:
    row = User.objects.get(pk=user.pk)
    return {
        "phone": row.phone,
        "status": row.status,
        "hospital": row.hospital_id,
        "is_staff": row.is_staff,
        "is_superuser": row.is_superuser,
        "password": row.password,
        "roles": set(row.roles),
    }


def test_profile_edit_saves_the_allowed_fields(login, staff_a, hospital_a):
    cardiology = DepartmentFactory(hospital=hospital_a, name="心内二科")

    response = login(staff_a).post(
        reverse("accounts:profile"),
        {
            "name": "赵主任",
            "email": "zhao@example.cn",
            "title": User.Title.CHIEF_PHYSICIAN,
            "licence_number": "110330100099",
            "department": str(cardiology.public_id),
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    row = User.objects.get(pk=staff_a.pk)
    assert row.name == "赵主任"
    assert row.email == "zhao@example.cn"
    assert row.title == User.Title.CHIEF_PHYSICIAN
    assert row.licence_number == "110330100099"
    assert row.department == cardiology


def test_profile_edit_ignores_fields_outside_the_profile(login, staff_a, hospital_b):
    before = _snapshot(staff_a)

    login(staff_a).post(
        reverse("accounts:profile"),
        {
            "name": "赵医生",
            "title": User.Title.ATTENDING_PHYSICIAN,
            "phone": "13999999999",
            "status": User.Status.DISABLED,
            "hospital": hospital_b.pk,
            "is_staff": "on",
            "is_superuser": "on",
            "password": "x",
            "roles": "platform_admin",
        },
    )

    assert _snapshot(staff_a) == before


def test_profile_refuses_a_department_of_another_hospital(login, staff_a, hospital_b):
    elsewhere = DepartmentFactory(hospital=hospital_b, name="乙院骨科")
    before = User.objects.get(pk=staff_a.pk).department_id

    response = login(staff_a).post(
        reverse("accounts:profile"), {"name": "赵医生", "department": str(elsewhere.public_id)}
    )

    assert response.status_code == 200
    assert len(field_errors(response, "department")) == 1
    assert User.objects.get(pk=staff_a.pk).department_id == before


def test_profile_refuses_an_empty_name_and_keeps_the_old_one(login, staff_a):
    response = login(staff_a).post(reverse("accounts:profile"), {"name": "", "email": "a@b.cn"})

    assert response.status_code == 200
    assert len(field_errors(response, "name")) == 1
    row = User.objects.get(pk=staff_a.pk)
    assert (row.name, row.email) == ("赵医生", "")


def test_profile_page_shows_masked_phone_and_own_departments(login, staff_a, hospital_b):
    DepartmentFactory(hospital=hospital_b, name="乙院骨科")

    response = login(staff_a).get(reverse("accounts:profile"))

    page = parse(response)
    assert response.status_code == 200
    assert f"{staff_a.phone[:3]}****{staff_a.phone[-4:]}" in page.text
    assert staff_a.phone not in page.text
    departments = [o.text for o in page.one("select", name="department").find_all("option")]
    assert departments[1:] == ["心血管内科"]


def test_profile_form_shows_the_current_department_selected(login, staff_a):
    page = parse(login(staff_a).get(reverse("accounts:profile")))
    selected = page.one("select", name="department").find_all("option", selected=True)
    assert [o.get("value") for o in selected] == [str(staff_a.department.public_id)]
