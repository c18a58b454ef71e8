"""The service catalogue: every business of the alliance, grouped by module."""

from __future__ import annotations

import pytest
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


@pytest.fixture
def consultation_kind(db):
    """The consultation kind as the medical app registers it, or a stand-in."""
    from yilian.workflow import registry

    try:
        yield registry.get_kind("consultation")
        return
    except LookupError:
        pass
    kind = registry.register(registry.Kind(code="consultation", label="x", module="medical"))
    yield kind
    registry.unregister(kind.code)


def test_catalogue_links_kinds_the_user_may_apply_for(login, staff_a, consultation_kind):
    from yilian.workflow.selectors import kinds_user_may_apply

    assert consultation_kind in kinds_user_may_apply(staff_a)

    page = parse(login(staff_a).get(reverse("web:services")))

    card = page.one(data_business="consultation")
    assert card.one("a", data_apply="consultation").get("href") == reverse(
        "workflow:apply_kind", args=["consultation"]
    )
    assert page.one("a", id="apply-link").get("href") == reverse("workflow:apply")


def test_catalogue_offers_no_apply_link_to_those_who_may_not_apply(
    login, expert, consultation_kind
):
    page = parse(login(expert).get(reverse("web:services")))

    assert page.find("a", data_apply=True) is None
    assert page.find("a", id="apply-link") is None
