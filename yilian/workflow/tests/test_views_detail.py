"""The request page: what it shows, to whom, and only the actions the user may take."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from yilian.core.tests.html import parse
from yilian.workflow import registry
from yilian.workflow.models import Status
from yilian.workflow.selectors import allowed_actions

from .conftest import MANUAL, ROUTED
from .views_support import detail_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _forms(page) -> list[str]:
    return [f.get("data-action-form") for f in page.find_all("form", data_action_form=True)]


def test_header_shows_title_kind_status_urgency_applicant_and_hospital(loop, client, hospital_a):
    request = loop.at(Status.SUBMITTED, title="冠心病介入术后会诊")
    client.force_login(loop.manager)

    page = parse(client.get(detail_url(request)))

    header = page.one("header", id="request-header")
    assert header.one("h1").text == "冠心病介入术后会诊"
    assert header.one(data_kind=True).text == "Test consultation"
    assert header.one(data_status=True).get("data-status") == "submitted"
    assert header.one(data_urgency=True).text == "urgent"
    assert "赵医生" in header.one(data_applicant=True).text
    assert hospital_a.name in header.one(data_applicant=True).text


@pytest.mark.parametrize(
    ("status", "who"),
    [
        (Status.DRAFT, "applicant"),
        (Status.SUBMITTED, "manager"),
        (Status.SUBMITTED, "applicant"),
        (Status.DISPATCHED, "expert"),
        (Status.COMPLETED, "applicant"),
        (Status.FEEDBACK_GIVEN, "manager"),
        (Status.CLOSED, "manager"),
    ],
)
def test_only_the_allowed_actions_are_offered(loop, client, status, who):
    request = loop.at(status)
    user = getattr(loop, who)
    client.force_login(user)

    page = parse(client.get(detail_url(request)))

    assert _forms(page) == allowed_actions(request, user)
    if status == Status.CLOSED:
        assert page.find(id="actions") is None


def test_every_action_form_carries_the_version(loop, client):
    request = loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    page = parse(client.get(detail_url(request)))

    for form in page.find_all("form", data_action_form=True):
        action = form.get("data-action-form")
        hidden = form.one("input", name=f"{action}-expected_version")
        assert hidden.get("value") == str(request.version)


def test_reject_withdraw_and_cancel_ask_for_confirmation(loop, client):
    request = loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    page = parse(client.get(detail_url(request)))

    for action in ("reject", "cancel"):
        modal = page.one("div", id=f"act-{action}")
        assert "modal" in modal.get("class")
        assert modal.find("form", data_action_form=action) is not None
        opener = page.one("button", data_confirm_opener=action)
        assert opener.get("data-bs-target") == f"#act-{action}"
    assert page.one("details", id="act-approve").find("form") is not None


def test_other_hospitals_get_a_404(loop, client, staff_b, other_expert):
    request = loop.at(Status.DISPATCHED)

    for outsider in (staff_b, other_expert):
        client.force_login(outsider)
        assert client.get(detail_url(request)).status_code == 404


def test_a_colleague_sees_the_request_but_no_actions(loop, client, make_user, hospital_a):
    colleague = make_user("staff", hospital=hospital_a, name="甲院同事")
    request = loop.at(Status.SUBMITTED)
    client.force_login(colleague)

    page = parse(client.get(detail_url(request)))

    assert page.one("h1").text == request.title
    assert _forms(page) == []
    assert page.find(id="edit-link") is None


def test_the_whole_timeline_with_the_system_for_automatic_steps(loop, client):
    request = loop.at(Status.CONFIRMED)  # approval is followed by automatic dispatch
    client.force_login(loop.applicant)

    page = parse(client.get(detail_url(request)))

    events = page.one(id="timeline").find_all("li", data_event=True)
    assert [e.get("data-event") for e in events] == [
        "create",
        "submit",
        "approve",
        "dispatch",
        "confirm",
    ]
    actors = [e.one(data_actor=True).text for e in events]
    assert actors == ["赵医生", "赵医生", "管理团队", "system", "王专家"]
    assert "approved → dispatched" in events[3].text


def test_schedule_team_experts_opinion_feedback_and_qc_review(loop, client):
    request = loop.at(Status.CLOSED)
    client.force_login(loop.applicant)

    page = parse(client.get(detail_url(request)))

    assert "14:00 视频会诊" in page.one(id="schedule").text
    assert "video session" in page.one(id="schedule").text
    assert "心血管会诊组" in page.one(id="team").text
    assert "王专家" in page.one(id="team").text
    assert "建议冠脉造影" in page.one(id="opinions").text
    assert "及时" in page.one(id="feedback").text
    assert "92" in page.one(id="qc-review").text
    assert page.one(id="opinion-pdf-link").get("href").endswith("/opinion.pdf")


def test_the_applicant_may_edit_a_draft_or_returned_request(loop, client, make_user, hospital_a):
    draft = loop.new()
    returned = loop.at(Status.SUBMITTED)
    from yilian.workflow.services import transition

    transition(returned, "return", actor=loop.manager, note="补充检查")
    submitted = loop.at(Status.SUBMITTED)
    client.force_login(loop.applicant)

    for request, editable in ((draft, True), (returned, True), (submitted, False)):
        page = parse(client.get(detail_url(request)))
        assert (page.find(id="edit-link") is not None) == editable


def test_the_page_listens_for_updates_of_this_request(loop, client):
    request = loop.at(Status.SUBMITTED)
    client.force_login(loop.applicant)

    page = parse(client.get(detail_url(request)))

    banner = page.one(id="request-live")
    assert banner.get("data-live-request") == str(request.public_id)
    assert banner.get("data-live-version") == str(request.version)
    assert "d-none" in banner.get("class")


def test_overdue_request_is_marked(loop, client):
    with freeze_time(timezone.now() - timedelta(hours=30)):
        request = loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    page = parse(client.get(detail_url(request)))

    assert "overdue by" in page.one(id="request-header").one(data_overdue=True).text


@pytest.fixture
def kind_with_detail(kinds, tmp_path, settings):
    """A kind whose detail model is the feedback row (it points at the request one-to-one)
    and whose detail template shows it."""
    (tmp_path / "wf_detail.html").write_text(
        '<div id="kind-detail-body">{{ request.title }} · {{ detail.comment }}</div>',
        encoding="utf-8",
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    kind = registry.register(
        registry.Kind(
            code="wf_detailed",
            label="Detailed",
            module="medical",
            detail_model="workflow.Feedback",
            detail_template="wf_detail.html",
        )
    )
    yield kind
    registry.unregister(kind.code)


def test_the_kinds_detail_is_included(loop, client, kind_with_detail):
    loop.team.services.create(kind=kind_with_detail.code)
    request = loop.at(Status.FEEDBACK_GIVEN, kind=kind_with_detail.code)
    client.force_login(loop.applicant)

    page = parse(client.get(detail_url(request)))

    assert page.one(id="kind-detail-body").text == f"{request.title} · 及时"


def test_unknown_kind_still_renders(loop, client):
    request = loop.at(Status.SUBMITTED, kind=MANUAL)
    registry.unregister(MANUAL)
    client.force_login(loop.manager)

    response = client.get(detail_url(request))

    assert response.status_code == 200
    assert _forms(parse(response)) == []
    assert ROUTED  # the other test kind is untouched


def test_attachments_are_listed_and_added_on_the_page(loop, client, make_user, hospital_a):
    from yilian.files.services import store_upload
    from yilian.files.tests.samples import pdf_bytes, upload

    request = loop.at(Status.SUBMITTED)
    asset = store_upload(
        upload("心电图.pdf", pdf_bytes()), owner=loop.applicant, target=request, purpose=""
    )
    client.force_login(make_user("staff", hospital=hospital_a))

    page = parse(client.get(detail_url(request)))

    block = page.one(id=f"attachments-{request.public_id}")
    [link] = block.find_all("a", data_file_name=True)
    assert link.text == "心电图.pdf"
    assert link.get("href") == f"/files/{asset.public_id}/"
    assert block.find("input", type="file") is not None  # the applicant's hospital may add

    loop.advance(request, Status.CLOSED)
    page = parse(client.get(detail_url(request)))
    assert page.one(id=f"attachments-{request.public_id}").find("input", type="file") is None


def test_the_desired_time_shows_whole_days_as_dates(loop, client):
    from datetime import datetime, time, timedelta

    from django.utils import timezone, translation
    from django.utils.formats import date_format

    day = timezone.localdate() + timedelta(days=10)
    midnight = timezone.make_aware(datetime.combine(day, time.min))
    days = loop.new(desired_start=midnight, desired_end=midnight + timedelta(days=2))
    hours = loop.new(
        desired_start=midnight + timedelta(hours=9), desired_end=midnight + timedelta(hours=11)
    )
    client.force_login(loop.applicant)

    shown_days = parse(client.get(detail_url(days))).one(id="desired").text
    shown_hours = parse(client.get(detail_url(hours))).one(id="desired").text

    with translation.override("en"):
        as_dates = f"{date_format(day)} – {date_format(day + timedelta(days=1))}"
        with_times = " – ".join(
            date_format(timezone.localtime(m), "SHORT_DATETIME_FORMAT")
            for m in (hours.desired_start, hours.desired_end)
        )
    assert as_dates in shown_days  # 2 days from midnight: the first and the last day
    assert with_times in shown_hours
