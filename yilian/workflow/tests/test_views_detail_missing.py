"""Every business kind's request page, when the kind's detail row is missing: the page
opens with what the request holds and says the details are missing (one place decides,
the request page, for every kind's detail template)."""

from __future__ import annotations

import pytest

from yilian.core.tests.html import parse
from yilian.workflow import registry
from yilian.workflow.services import create_request

from .views_support import detail_url

pytestmark = pytest.mark.django_db

KINDS_WITH_DETAIL = [k.code for k in registry.all_kinds() if k.detail_template]


def test_every_kind_with_a_detail_template_is_checked():
    assert {"study_visit", "advanced_study", "special_business", "consultation"} <= set(
        KINDS_WITH_DETAIL
    )


@pytest.mark.parametrize("code", KINDS_WITH_DETAIL)
def test_a_request_without_its_detail_row_still_opens(client, make_user, hospital_a, code):
    kind = registry.get_kind(code)
    applicant = make_user(*sorted(kind.applicant_roles)[:1], hospital=hospital_a)
    request = create_request(kind=code, applicant=applicant, title="缺少详情的申请")
    client.force_login(applicant)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.get(detail_url(request))

    assert response.status_code == 200
    page = parse(response)
    assert page.one("header", id="request-header").one("h1").text == "缺少详情的申请"
    assert "details of this request are missing" in page.one(data_detail_missing=True).text
