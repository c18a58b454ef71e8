"""The request list: every request the user may see, with filters, search and pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.core.tests.html import parse
from yilian.orgs.models import Hospital
from yilian.workflow.models import Status
from yilian.workflow.services import create_request

from .conftest import MANUAL, ROUTED

pytestmark = pytest.mark.django_db

URL = reverse("workflow:list")


def _ids(response) -> set[str]:
    page = parse(response)
    if page.find("table") is None:
        assert page.find(data_empty=True) is not None
        return set()
    return {tr.get("data-request") for tr in page.one("table").find_all("tr", data_request=True)}


def test_staff_see_their_hospitals_requests_only(loop, client, staff_b):
    ours = loop.at(Status.SUBMITTED)
    theirs = create_request(kind=ROUTED, applicant=staff_b, title="乙院会诊")
    client.force_login(loop.applicant)

    assert _ids(client.get(URL)) == {str(ours.public_id)}
    client.force_login(staff_b)
    assert _ids(client.get(URL)) == {str(theirs.public_id)}


def test_filters_and_search(loop, client):
    draft = loop.new(title="心衰会诊")
    submitted = loop.at(Status.SUBMITTED, title="骨折会诊", urgency="routine")
    manual = loop.at(Status.SUBMITTED, kind=MANUAL, title="心内科进修")
    client.force_login(loop.applicant)

    assert _ids(client.get(URL + "?status=draft")) == {str(draft.public_id)}
    assert _ids(client.get(URL + f"?kind={MANUAL}")) == {str(manual.public_id)}
    assert _ids(client.get(URL + "?urgency=routine")) == {str(submitted.public_id)}
    assert _ids(client.get(URL + "?query=心")) == {str(draft.public_id), str(manual.public_id)}
    assert _ids(client.get(URL + "?query=无此请求")) == set()


def test_platform_roles_filter_by_hospital(loop, client, staff_b, hospital_b):
    loop.at(Status.SUBMITTED)
    theirs = create_request(kind=ROUTED, applicant=staff_b, title="乙院会诊")
    client.force_login(loop.manager)

    page = parse(client.get(URL))
    options = [o.get("value") for o in page.one("select", name="hospital").find_all("option")]
    assert str(hospital_b.public_id) in options
    assert _ids(client.get(URL + f"?hospital={hospital_b.public_id}")) == {str(theirs.public_id)}
    assert _ids(client.get(URL + "?hospital=not-a-uuid")) == set()


def test_hospital_filter_shows_the_chosen_hospital_and_escapes_names(
    loop, client, staff_b, hospital_b
):
    loop.at(Status.SUBMITTED)
    create_request(kind=ROUTED, applicant=staff_b, title="乙院会诊")
    Hospital.objects.filter(pk=hospital_b.pk).update(name="平阳<b>县</b>&医院")
    client.force_login(loop.manager)

    response = client.get(URL + f"?hospital={hospital_b.public_id}")

    select = parse(response).one("select", name="hospital")
    chosen = select.find_all("option", selected=True)
    assert [o.get("value") for o in chosen] == [str(hospital_b.public_id)]
    assert chosen[0].text == "平阳<b>县</b>&医院"
    assert chosen[0].find_all("b") == []


def test_hospital_filter_is_not_offered_to_hospital_staff(loop, client, staff_b, hospital_b):
    ours = loop.at(Status.SUBMITTED)
    create_request(kind=ROUTED, applicant=staff_b, title="乙院会诊")
    client.force_login(loop.applicant)

    page = parse(client.get(URL + f"?hospital={hospital_b.public_id}"))

    assert page.find("select", name="hospital") is None
    assert _ids(client.get(URL + f"?hospital={hospital_b.public_id}")) == {str(ours.public_id)}


def test_pages(loop, client, settings):
    settings.YILIAN_PAGE_SIZE = 2
    made = [loop.new(title=f"会诊{n}") for n in range(3)]
    client.force_login(loop.applicant)

    first = _ids(client.get(URL))
    second = _ids(client.get(URL + "?page=2"))

    assert first == {str(made[2].public_id), str(made[1].public_id)}
    assert second == {str(made[0].public_id)}


def test_htmx_gets_the_results_only(loop, client):
    loop.new()
    client.force_login(loop.applicant)

    response = client.get(URL + "?query=会诊", HTTP_HX_REQUEST="true")

    assert b"<html" not in response.content
    assert len(_ids(response)) == 1


def test_a_patient_sees_no_request(loop, client, patient):
    loop.new()
    client.force_login(patient)

    assert _ids(client.get(URL)) == set()


def test_counting_stops_at_the_cap_and_the_last_page_says_so(loop, client, settings):
    settings.YILIAN_PAGE_SIZE = 2
    settings.YILIAN_COUNT_CAP = 4
    made = [loop.new(title=f"会诊{n}") for n in range(7)]
    client.force_login(loop.applicant)

    first = parse(client.get(URL))
    last = client.get(URL + "?page=9")  # past the last page the cap allows: the last one

    assert first.one(id="result-count").text == "4+ 条申请"
    assert "第 1 / 2+ 页 · 共 4+ 条" in first.text
    assert first.find(data_capped=True) is None
    newest_first = [str(r.public_id) for r in reversed(made)]
    assert _ids(last) == set(newest_first[2:4])
    assert parse(last).find(data_capped=True) is not None


def test_below_the_cap_the_count_is_exact(loop, client, settings):
    settings.YILIAN_PAGE_SIZE = 2
    settings.YILIAN_COUNT_CAP = 4
    for n in range(4):
        loop.new(title=f"会诊{n}")
    client.force_login(loop.applicant)

    page = parse(client.get(URL))

    assert page.one(id="result-count").text == "4 条申请"
    assert "第 1 / 2 页 · 共 4 条" in page.text
