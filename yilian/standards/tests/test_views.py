"""The standards pages: "to read" for targeted staff, acknowledging on the phone with the
quiz, scoping (a standard not published to you is a 404; patients get nothing), the
document's access policy, and the managers' adoption table and publishing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.core.tests.html import field_errors, parse

from .. import services
from ..models import Acknowledgement, Standard, StandardVersion
from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


def test_targeted_staff_see_it_to_read_then_read(login, staff_a, standard):
    client = login(staff_a)
    page = parse(client.get(reverse("standards:list")))
    assert page.one("div", id="to-read").one("a", data_standard=str(standard.public_id))

    response = client.post(
        reverse("standards:acknowledge", args=[standard.public_id]), {"confirmed": "on"}
    )
    assert response.status_code == 302
    page = parse(client.get(reverse("standards:list")))
    assert page.find("div", id="to-read") is None
    assert page.one("div", id="read").one("a", data_standard=str(standard.public_id))
    assert parse(client.get(reverse("standards:detail", args=[standard.public_id]))).one(
        "div", id="acknowledged"
    )


def test_a_failed_quiz_shows_the_score_and_keeps_the_answers(login, staff_a, standard, manager):
    q = services.add_question(
        standard, actor=manager, text="First step?", choices=["ECG", "Wait"], answer=0
    )
    client = login(staff_a)
    url = reverse("standards:acknowledge", args=[standard.public_id])
    response = client.post(url, {"confirmed": "on", f"q{q.pk}": "1"})
    assert response.status_code == 422
    assert "You scored 0%; 80% is needed" in response.content.decode()
    checked = parse(response).one("input", name=f"q{q.pk}", checked=True)
    assert checked.get("value") == "1"
    assert not Acknowledgement.objects.exists()

    missing = client.post(url, {"confirmed": "on"})
    assert field_errors(missing, f"q{q.pk}") == ["Choose an answer."]

    assert client.post(url, {"confirmed": "on", f"q{q.pk}": "0"}).status_code == 302
    assert Acknowledgement.objects.get().score == 100


def test_not_targeted_members_get_404_and_patients_403(login, staff_b, patient, standard):
    client = login(staff_b)
    assert client.get(reverse("standards:detail", args=[standard.public_id])).status_code == 404
    response = client.post(
        reverse("standards:acknowledge", args=[standard.public_id]), {"confirmed": "on"}
    )
    assert response.status_code == 404
    assert str(standard.public_id) not in client.get(reverse("standards:list")).content.decode()
    document = standard.current_version.file
    assert client.get(reverse("files:download", args=[document.public_id])).status_code == 404
    client = login(patient)
    assert client.get(reverse("standards:list")).status_code == 403
    assert not Acknowledgement.objects.exists()


def test_targeted_staff_download_the_document(login, staff_a, standard):
    document = standard.current_version.file
    response = login(staff_a).get(reverse("files:download", args=[document.public_id]))
    assert response.status_code == 200


def test_staff_may_not_manage(login, staff_a, standard):
    client = login(staff_a)
    for url in (
        reverse("standards:new"),
        reverse("standards:edit", args=[standard.public_id]),
        reverse("standards:publish", args=[standard.public_id]),
        reverse("standards:quiz", args=[standard.public_id]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("standards:new"), {"title": "x", "roles": ["staff"]}).status_code == 403
    )
    assert StandardVersion.objects.count() == 1


def test_manager_sees_adoption_per_hospital_and_publishing_resets_it(
    login, staff_a, hospital_admin_a, manager, standard, hospital_a
):
    services.acknowledge(standard, user=staff_a, confirmed=True)
    client = login(manager)
    url = reverse("standards:detail", args=[standard.public_id])
    page = parse(client.get(url))
    assert page.one("p", id="overall").get("data-rate") == "50.0"
    assert page.one("tr", data_hospital=str(hospital_a.public_id)).get("data-rate") == "50.0"

    response = client.post(
        reverse("standards:publish", args=[standard.public_id]),
        {"label": "2025 edition", "notes": "New troponin cut-off", "file": pdf_upload("v2")},
    )
    assert response.status_code == 302
    page = parse(client.get(url))
    assert page.one("p", id="overall").get("data-rate") == "0.0"
    assert page.one("p", id="overall").get("data-targeted") == "2"


def test_manager_creates_a_standard_and_a_bad_form_keeps_input(login, manager, hospital_a):
    client = login(manager)
    bad = client.post(reverse("standards:new"), {"title": "Sepsis bundle", "pass_mark": "80"})
    assert bad.status_code == 422
    assert field_errors(bad, "roles")
    assert parse(bad).one("input", name="title").get("value") == "Sepsis bundle"
    good = client.post(
        reverse("standards:new"),
        {
            "title": "Sepsis bundle",
            "pass_mark": "80",
            "roles": ["staff"],
            "tiers": ["county"],
            "new_category": "Infection",
        },
    )
    assert good.status_code == 302
    created = Standard.objects.get(title="Sepsis bundle")
    assert created.category.name == "Infection" and created.target_tiers == ["county"]


def test_a_wrong_file_is_refused_and_nothing_published(login, manager, standard):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(manager).post(
        reverse("standards:publish", args=[standard.public_id]),
        {
            "label": "v2",
            "file": SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf"),
        },
    )
    assert response.status_code == 422
    assert field_errors(response, "file")
    assert StandardVersion.objects.count() == 1
