"""The service catalogue: every business of the alliance, grouped by module."""

from __future__ import annotations

from django.urls import reverse

from yilian.core.tests.html import parse

BUSINESSES = {
    "medical": ["consultation", "e_clinic", "ward_round", "referral", "follow_up"],
    "teaching": ["cloud_class", "cme_class", "conference_live", "surgery_demo", "health_education"],
    "linkage": ["study_visit", "clinical_observation", "advanced_study", "special_business"],
    "quality": ["data_reporting", "sentinel", "single_disease", "standards"],
}


def test_catalogue_lists_all_18_businesses_by_module(login, staff_a):
    response = login(staff_a).get(reverse("web:services"))

    page = parse(response)
    assert response.status_code == 200
    cards = page.find_all(data_business=True)
    assert len(cards) == 18
    for module, codes in BUSINESSES.items():
        section = page.one("section", id=module)
        assert [c.get("data-business") for c in section.find_all(data_business=True)] == codes
    assert all(card.text for card in cards)  # every business has a label and description


def test_catalogue_needs_login(client):
    response = client.get(reverse("web:services"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
