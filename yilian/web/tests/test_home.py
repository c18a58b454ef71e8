"""The workbench: what each role sees first."""

from __future__ import annotations

from django.urls import reverse

from conftest import PASSWORD
from yilian.accounts import services
from yilian.core.tests.html import parse, tr
from yilian.notify.services import notify


def test_staff_sees_their_hospital_and_role(login, staff_a, hospital_a):
    response = login(staff_a).get(reverse("web:home"))

    page = parse(response)
    assert response.status_code == 200
    assert "赵医生" in page.one("h1").text
    assert hospital_a.name in page.one("main").text
    roles = [badge.text for badge in page.one(id="my-roles").find_all("span")]
    assert roles == [tr("medical staff")]
    assert page.find(id="card-pending-registrations") is None
    assert page.find(id="card-institutions") is None


def test_hospital_admin_sees_the_pending_registration_count(
    login, hospital_admin_a, hospital_a, department_a, hospital_b
):
    for n, hospital in enumerate([hospital_a, hospital_a, hospital_b]):
        services.register_staff(
            phone=f"1360000000{n}",
            name=f"待审{n}",
            password=PASSWORD,
            hospital=hospital,
            department=None,
        )

    response = login(hospital_admin_a).get(reverse("web:home"))

    card = parse(response).one(id="card-pending-registrations")
    assert card.get("href") == reverse("accounts:registrations")
    assert card.one(class_="yl-stat").text == "2"


def test_hospital_admin_with_nothing_to_review_sees_zero(login, hospital_admin_a):
    response = login(hospital_admin_a).get(reverse("web:home"))

    assert parse(response).one(id="card-pending-registrations").one(class_="yl-stat").text == "0"


def test_manager_sees_alliance_figures(login, manager, hospital_a, hospital_b, staff_a):
    response = login(manager).get(reverse("web:home"))

    page = parse(response)
    assert page.one(id="card-institutions").one(class_="yl-stat").text == "3"
    stats = [s.text for s in page.find_all(class_="yl-stat")]
    # institutions; provinces covered / all provinces; active users (manager, admin A, staff A)
    assert stats == ["3", "1 / 31", "3"]
    assert [b.text for b in page.one(id="my-roles").find_all("span")] == [tr("platform manager")]


def test_workbench_shows_only_the_users_latest_messages(login, staff_a, staff_b):
    notify([staff_a], verb="test", title="给赵医生的消息")
    notify([staff_b], verb="test", title="给钱医生的消息")

    response = login(staff_a).get(reverse("web:home"))

    text = parse(response).one("main").text
    assert "给赵医生的消息" in text
    assert "给钱医生的消息" not in text


def test_workbench_links_to_the_users_modules(login, staff_a):
    response = login(staff_a).get(reverse("web:home"))

    links = {a.get("href") for a in parse(response).one("main").find_all("a", class_="card")}
    services_url = reverse("web:services")
    assert {f"{services_url}#{key}" for key in ("medical", "teaching", "linkage", "quality")} <= (
        links
    )
    assert reverse("accounts:registrations") not in links


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("web:home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


def test_patient_without_hospital_gets_a_workbench(login, patient):
    response = login(patient).get(reverse("web:home"))

    page = parse(response)
    assert response.status_code == 200
    assert [b.text for b in page.one(id="my-roles").find_all("span")] == [tr("patient")]
    assert page.find(id="card-institutions") is None
    assert page.find(id="card-pending-registrations") is None


def test_home_shows_the_users_queue_counts_linking_to_the_workbench(login, staff_a):
    from yilian.workflow import registry
    from yilian.workflow.services import create_request

    kind = registry.register(registry.Kind(code="web_home_test", label="x", module="medical"))
    try:
        create_request(kind=kind, applicant=staff_a, title="会诊")
        create_request(kind=kind, applicant=staff_a, title="会诊")
        response = login(staff_a).get(reverse("web:home"))
    finally:
        registry.unregister(kind.code)

    card = parse(response).one(id="card-queues")
    links = {a.get("data-queue"): a for a in card.find_all("a", data_queue=True)}
    assert set(links) == {"today", "to_give_feedback", "mine"}
    assert links["mine"].one(data_count=True).text == "2"
    assert links["mine"].get("href") == reverse("workflow:workbench") + "?queue=mine"


def test_home_has_no_queues_for_a_patient(login, patient):
    response = login(patient).get(reverse("web:home"))

    assert parse(response).find(id="card-queues") is None
