"""The request page of a linkage business whose kind-specific row is missing (lost, or
never written by an import): the page opens with what the request holds and says the
details are missing, for the applicant and for the managers who act on it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from yilian.core.tests.html import parse
from yilian.workflow.models import Status
from yilian.workflow.services import transition

from .. import services
from ..models import AdvancedStudy, FieldType, SpecialApplication, Visit
from .conftest import apply_study, visit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(platform_admin):
    return services.save_special_type(
        actor=platform_admin,
        name="基层医师能力提升项目",
        fields=[services.FieldData("申请科室", FieldType.TEXT)],
    )


def _page(client, user, request):
    client.force_login(user)
    return client.get(reverse("workflow:detail", args=[request.public_id]))


@pytest.fixture
def requests_without_detail(staff_a, lead_hospital, cardiology, quota, programme):
    visit = services.save_visit(
        kind="study_visit", applicant=staff_a, data=visit_data(lead_hospital, cardiology)
    )
    study = apply_study(staff_a, cardiology)
    special = services.save_special_application(
        applicant=staff_a, business_type=programme, answers={"f1": "病理科"}
    )
    Visit.objects.filter(request=visit).delete()
    AdvancedStudy.objects.filter(request=study).delete()
    SpecialApplication.objects.filter(request=special).delete()
    return [visit, study, special]


def test_the_page_says_the_details_are_missing_instead_of_failing(
    client, staff_a, requests_without_detail
):
    for request in requests_without_detail:
        response = _page(client, staff_a, request)

        assert response.status_code == 200, request.kind
        page = parse(response)
        assert page.one("header", id="request-header").one("h1").text == request.title
        missing = page.one("section", id="kind-detail").one(data_detail_missing=True)
        assert "details of this request are missing" in missing.text
        assert page.find(data_linkage_detail=True) is None
        assert page.find("a", id="edit-link") is None  # its form would need the details


def test_the_manager_sees_it_too_when_acting_on_the_request(
    client, staff_a, manager, requests_without_detail
):
    for request in requests_without_detail:
        submitted = transition(request, "submit", actor=staff_a)
        assert submitted.status == Status.SUBMITTED

        response = _page(client, manager, submitted)

        assert response.status_code == 200, request.kind
        assert parse(response).one(data_detail_missing=True)


def test_the_notice_is_translated(client, staff_a, requests_without_detail):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    with translation.override("zh-hans"):
        response = _page(client, staff_a, requests_without_detail[0])

    assert "详细信息缺失" in parse(response).one(data_detail_missing=True).text


def test_a_request_with_its_details_shows_them(client, staff_a, lead_hospital, cardiology):
    request = services.save_visit(
        kind="study_visit", applicant=staff_a, data=visit_data(lead_hospital, cardiology)
    )

    page = parse(_page(client, staff_a, request))

    assert page.one(data_linkage_detail="visit") is not None
    assert page.find("a", id="edit-link") is not None
    assert page.find(data_detail_missing=True) is None
