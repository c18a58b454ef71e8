"""Self-registration of medical staff, and the htmx endpoint that fills its choices."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.tests.html import field_errors, field_value, parse, tr
from yilian.notify.models import Notification
from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import DepartmentFactory, HospitalFactory, division

NEW_PASSWORD = "Zhou-Xinyi-2026"


@pytest.fixture
def form_data(hospital_a, department_a) -> dict[str, str]:
    return {
        "province": hospital_a.province_code,
        "hospital": str(hospital_a.public_id),
        "department": str(department_a.public_id),
        "name": "周新医",
        "phone": "13912345678",
        "title": User.Title.RESIDENT_PHYSICIAN,
        "licence_number": "110330100012",
        "email": "zhou@example.cn",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }


@pytest.fixture
def jiangsu_hospital(lead_hospital) -> Hospital:
    division("320000", "江苏省")
    return HospitalFactory(
        name="溧阳市人民医院",
        alliance=lead_hospital.alliance,
        division=division("320400", "常州市"),
    )


def _options(response, name: str) -> dict[str, str]:
    select = parse(response).one("select", name=name)
    return {o.get("value"): o.text for o in select.find_all("option") if o.get("value")}


def test_valid_registration_creates_pending_user_logs_in_and_shows_status(
    client, form_data, hospital_a, department_a, hospital_admin_a
):
    response = client.post(reverse("accounts:register"), form_data, follow=True)

    assert response.redirect_chain == [(reverse("accounts:status"), 302)]
    user = User.objects.get(phone="13912345678")
    assert user.status == User.Status.PENDING
    assert user.roles == {Role.STAFF}
    assert (user.name, user.hospital, user.department) == ("周新医", hospital_a, department_a)
    assert (user.title, user.licence_number, user.email) == (
        User.Title.RESIDENT_PHYSICIAN,
        "110330100012",
        "zhou@example.cn",
    )
    assert user.check_password(NEW_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert parse(response).one(id="account-status").get("data-status") == "pending"
    assert Notification.objects.filter(
        recipient=hospital_admin_a, verb="registration.submitted"
    ).exists()


def test_registration_page_offers_active_hospitals_only(
    client, hospital_a, hospital_b, lead_hospital
):
    HospitalFactory(name="申请中医院", status=Hospital.Status.APPLYING)

    response = client.get(reverse("accounts:register"))

    assert response.status_code == 200
    assert sorted(_options(response, "hospital").values()) == sorted(
        [lead_hospital.name, hospital_a.name, hospital_b.name]
    )


def test_duplicate_phone_gives_a_field_error_and_keeps_what_was_typed(client, form_data, staff_a):
    form_data["phone"] = staff_a.phone

    response = client.post(reverse("accounts:register"), form_data)

    assert response.status_code == 200
    assert field_errors(response, "phone") == [
        tr("This mobile number is already registered. Log in or reset your password.")
    ]
    assert field_value(response, "phone") == staff_a.phone
    assert field_value(response, "name") == "周新医"
    assert field_value(response, "email") == "zhou@example.cn"
    assert field_value(response, "hospital") == form_data["hospital"]
    assert field_value(response, "department") == form_data["department"]
    assert User.objects.filter(phone=staff_a.phone).get().name == "赵医生"
    assert not User.objects.filter(name="周新医").exists()


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "1380013800a"])
def test_bad_phone_gives_a_field_error_and_keeps_what_was_typed(client, form_data, phone):
    form_data["phone"] = phone

    response = client.post(reverse("accounts:register"), form_data)

    assert response.status_code == 200
    assert field_errors(response, "phone") == [
        tr("Enter an 11-digit mainland mobile number, e.g. 13800138000.")
    ]
    assert field_value(response, "phone") == phone
    assert field_value(response, "name") == "周新医"
    assert not User.objects.filter(name="周新医").exists()


def test_mismatched_passwords_give_a_field_error_and_keep_what_was_typed(client, form_data):
    form_data["password2"] = NEW_PASSWORD + "x"

    response = client.post(reverse("accounts:register"), form_data)

    assert response.status_code == 200
    assert field_errors(response, "password2") == [tr("The two passwords differ.")]
    assert field_errors(response, "password1") == []
    assert field_value(response, "phone") == "13912345678"
    assert field_value(response, "name") == "周新医"
    assert field_value(response, "title") == User.Title.RESIDENT_PHYSICIAN
    assert not User.objects.filter(phone="13912345678").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("20260101", "This password is entirely numeric."),
        ("password1234", "This password is too common."),
    ],
)
def test_weak_password_gives_a_field_error_and_keeps_what_was_typed(
    client, form_data, password, message
):
    form_data["password1"] = form_data["password2"] = password

    response = client.post(reverse("accounts:register"), form_data)

    assert response.status_code == 200
    assert tr(message) in field_errors(response, "password1")
    assert field_value(response, "phone") == "13912345678"
    assert field_value(response, "name") == "周新医"
    assert not User.objects.filter(phone="13912345678").exists()


def test_department_of_another_hospital_is_refused(client, form_data, hospital_b):
    form_data["department"] = str(DepartmentFactory(hospital=hospital_b).public_id)

    response = client.post(reverse("accounts:register"), form_data)

    assert response.status_code == 200
    assert len(field_errors(response, "department")) == 1
    assert not User.objects.filter(phone="13912345678").exists()


def test_logged_in_member_is_sent_home_from_registration(login, staff_a, form_data):
    response = login(staff_a).post(reverse("accounts:register"), form_data)

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert not User.objects.filter(phone="13912345678").exists()


def test_choices_endpoint_filters_hospitals_by_province(
    client, hospital_a, hospital_b, lead_hospital, jiangsu_hospital
):
    zhejiang = client.get(reverse("accounts:registration_choices"), {"province": "330000"})
    jiangsu = client.get(reverse("accounts:registration_choices"), {"province": "320000"})
    everywhere = client.get(reverse("accounts:registration_choices"))

    assert zhejiang.status_code == 200
    assert "<html" not in zhejiang.content.decode()
    assert "<form" not in zhejiang.content.decode()
    assert [s.get("name") for s in parse(zhejiang).find_all("select")] == [
        "province",
        "hospital",
        "department",
    ]
    assert set(_options(zhejiang, "hospital")) == {
        str(h.public_id) for h in (lead_hospital, hospital_a, hospital_b)
    }
    assert set(_options(jiangsu, "hospital")) == {str(jiangsu_hospital.public_id)}
    assert len(_options(everywhere, "hospital")) == 4
    provinces = _options(zhejiang, "province")
    assert len(provinces) == 31  # GB/T 2260 provinces, loaded by a migration
    assert (provinces["320000"], provinces["330000"]) == ("江苏省", "浙江省")


def test_choices_endpoint_lists_active_departments_of_the_chosen_hospital(
    client, hospital_a, hospital_b, department_a
):
    closed = DepartmentFactory(hospital=hospital_a, name="已撤销科", is_active=False)
    other = DepartmentFactory(hospital=hospital_b, name="乙院骨科")

    chosen = client.get(
        reverse("accounts:registration_choices"),
        {"province": "330000", "hospital": str(hospital_a.public_id)},
    )
    none_chosen = client.get(reverse("accounts:registration_choices"), {"province": "330000"})

    departments = _options(chosen, "department")
    assert departments == {str(department_a.public_id): "心血管内科"}
    assert str(closed.public_id) not in departments
    assert str(other.public_id) not in departments
    assert field_value(chosen, "hospital") == str(hospital_a.public_id)
    assert _options(none_chosen, "department") == {}


def test_choices_endpoint_ignores_a_hospital_that_is_not_open(client, department_a):
    applying = HospitalFactory(name="申请中医院", status=Hospital.Status.APPLYING)
    DepartmentFactory(hospital=applying, name="申请中科室")

    response = client.get(
        reverse("accounts:registration_choices"), {"hospital": str(applying.public_id)}
    )

    assert response.status_code == 200
    assert _options(response, "department") == {}
    assert str(applying.public_id) not in _options(response, "hospital")


def test_refresh_without_javascript_keeps_input_and_creates_nobody(
    client, form_data, hospital_a, department_a
):
    form_data["refresh"] = "1"

    response = client.post(reverse("accounts:register"), form_data)

    assert response.status_code == 200
    assert field_value(response, "name") == "周新医"
    assert _options(response, "department") == {str(department_a.public_id): "心血管内科"}
    assert field_errors(response, "phone") == []
    assert not User.objects.filter(phone="13912345678").exists()
