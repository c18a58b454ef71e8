"""One view for every action: each step through HTTP as its owner, the permission matrix
(403 for those who see the request, 404 for other hospitals, nothing changed either way),
errors that keep what was typed, and a stale page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.core.tests.html import field_errors, field_value, parse
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from .conftest import MANUAL, ROUTED, snapshot, today_at
from .views_support import act_url, detail_url, form_data, local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def people(loop, hospital_admin_a, staff_b, other_expert):
    return {
        "applicant": loop.applicant,
        "manager": loop.manager,
        "expert": loop.expert,
        "hospital_admin_a": hospital_admin_a,
        "staff_b": staff_b,
        "other_expert": other_expert,
    }


# action, the status it leaves, kind, its owner, someone who sees the request but may not
# act, someone who may not see it, the status it leads to, the event it records
CASES = [
    ("submit", Status.DRAFT, ROUTED, "applicant", "hospital_admin_a", "staff_b", Status.SUBMITTED),
    ("withdraw", Status.SUBMITTED, ROUTED, "applicant", "manager", "staff_b", Status.CANCELLED),
    ("return", Status.SUBMITTED, ROUTED, "manager", "applicant", "staff_b", Status.RETURNED),
    ("reject", Status.SUBMITTED, ROUTED, "manager", "hospital_admin_a", "staff_b", Status.REJECTED),
    ("approve", Status.SUBMITTED, MANUAL, "manager", "applicant", "staff_b", Status.APPROVED),
    ("dispatch", Status.APPROVED, MANUAL, "manager", "applicant", "staff_b", Status.DISPATCHED),
    ("cancel", Status.APPROVED, MANUAL, "manager", "applicant", "staff_b", Status.CANCELLED),
    ("decline", Status.DISPATCHED, ROUTED, "expert", "manager", "other_expert", Status.DECLINED),
    ("confirm", Status.DISPATCHED, ROUTED, "expert", "applicant", "staff_b", Status.CONFIRMED),
    ("publish", Status.CONFIRMED, ROUTED, "manager", "expert", "staff_b", Status.PUBLISHED),
    ("start", Status.PUBLISHED, ROUTED, "expert", "applicant", "other_expert", Status.IN_PROGRESS),
    ("complete", Status.IN_PROGRESS, ROUTED, "expert", "manager", "staff_b", Status.COMPLETED),
    ("feedback", Status.COMPLETED, ROUTED, "applicant", "expert", "staff_b", Status.FEEDBACK_GIVEN),
    (
        "close",
        Status.FEEDBACK_GIVEN,
        ROUTED,
        "manager",
        "hospital_admin_a",
        "staff_b",
        Status.CLOSED,
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("action", "status", "kind", "owner", "_s", "_o", "to"), CASES, ids=IDS)
def test_owner_takes_each_action_through_the_page(
    loop, people, client, action, status, kind, owner, _s, _o, to
):
    request = loop.at(status, kind=kind)
    client.force_login(people[owner])

    response = client.post(act_url(request, action), form_data(loop, request, action))

    assert response.status_code == 302
    assert response["Location"] == detail_url(request)
    request.refresh_from_db()
    assert request.status == to
    event = request.events.order_by("-created_at", "-id").filter(actor=people[owner]).first()
    assert event is not None and event.action == action
    page = parse(client.get(response["Location"]))
    assert request.title in page.one("div", class_="alert-success").text


@pytest.mark.parametrize(("action", "status", "kind", "_w", "seer", "_o", "_t"), CASES, ids=IDS)
def test_someone_who_sees_the_request_but_may_not_act_gets_403(
    loop, people, client, action, status, kind, _w, seer, _o, _t
):
    request = loop.at(status, kind=kind)
    before = snapshot(request)
    client.force_login(people[seer])

    response = client.post(act_url(request, action), form_data(loop, request, action))

    assert response.status_code == 403
    assert "Only" in parse(response).one(id="action-error").text
    assert snapshot(request) == before


@pytest.mark.parametrize(("action", "status", "kind", "_w", "_s", "outsider", "_t"), CASES, ids=IDS)
def test_someone_who_may_not_see_the_request_gets_404(
    loop, people, client, action, status, kind, _w, _s, outsider, _t
):
    request = loop.at(status, kind=kind)
    before = snapshot(request)
    client.force_login(people[outsider])

    response = client.post(act_url(request, action), form_data(loop, request, action))

    assert response.status_code == 404
    assert snapshot(request) == before


def test_denial_with_invalid_data_is_still_a_403(loop, client, hospital_admin_a):
    request = loop.at(Status.SUBMITTED)
    before = snapshot(request)
    client.force_login(hospital_admin_a)

    response = client.post(act_url(request, "reject"), {})

    assert response.status_code == 403
    assert snapshot(request) == before


def test_anonymous_visitor_is_sent_to_login(loop, client):
    request = loop.at(Status.SUBMITTED)
    before = snapshot(request)

    response = client.post(act_url(request, "approve"), form_data(loop, request, "approve"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert snapshot(request) == before


def test_an_unknown_action_is_a_404(loop, client):
    request = loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    assert client.post(act_url(request, "explode"), {}).status_code == 404


def test_get_is_not_allowed(loop, client):
    request = loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    assert client.get(act_url(request, "approve")).status_code == 405


def test_an_invalid_schedule_keeps_what_was_typed(loop, client):
    request = loop.at(Status.DISPATCHED)
    before = snapshot(request)
    client.force_login(loop.expert)
    data = form_data(
        loop,
        request,
        "confirm",
        scheduled_start=local(today_at(15)),
        scheduled_end=local(today_at(14)),
        contact="心内科 王护士长 0571-8888 6666",
    )

    response = client.post(act_url(request, "confirm"), data)

    assert response.status_code == 422
    assert field_errors(response, "confirm-scheduled_end") == ["The end must be after the start."]
    assert field_value(response, "confirm-scheduled_start") == local(today_at(15))
    assert field_value(response, "confirm-contact") == "心内科 王护士长 0571-8888 6666"
    assert parse(response).one("details", id="act-confirm").get("open") is not None
    assert snapshot(request) == before


def test_a_room_clash_is_shown_next_to_the_room(loop, client, lead_hospital):
    from yilian.orgs.tests.factories import RoomFactory

    room = RoomFactory(hospital=lead_hospital, name="一号会诊室")
    first = loop.at(Status.DISPATCHED)
    transition(first, "confirm", actor=loop.expert, **loop.data_for("confirm"), room=room)
    second = loop.at(Status.DISPATCHED)
    client.force_login(loop.expert)

    response = client.post(
        act_url(second, "confirm"),
        form_data(loop, second, "confirm", room=str(room.public_id)),
    )

    assert response.status_code == 422
    [message] = field_errors(response, "confirm-room")
    assert "一号会诊室 is booked" in message
    assert field_value(response, "confirm-room") == str(room.public_id)


def test_a_missing_reason_reopens_the_confirmation_with_the_error(loop, client):
    request = loop.at(Status.SUBMITTED)
    before = snapshot(request)
    client.force_login(loop.manager)

    response = client.post(
        act_url(request, "reject"), form_data(loop, request, "reject", reason="")
    )

    assert response.status_code == 422
    modal = parse(response).one("div", id="act-reject")
    assert modal.get("data-yl-open") is not None
    assert field_errors(response, "reject-reason") == ["This field is required."]
    assert snapshot(request) == before


def test_ratings_out_of_range_keep_the_comment(loop, client):
    request = loop.at(Status.COMPLETED)
    client.force_login(loop.applicant)

    response = client.post(
        act_url(request, "feedback"),
        form_data(loop, request, "feedback", satisfaction="9", comment="专家很耐心"),
    )

    assert response.status_code == 422
    assert field_errors(response, "feedback-satisfaction")
    textarea = parse(response).one("textarea", name="feedback-comment")
    assert textarea.text == "专家很耐心"
    assert BusinessRequest.objects.get(pk=request.pk).status == Status.COMPLETED


def test_a_stale_page_gets_409_with_who_changed_it(loop, client):
    request = loop.at(Status.DISPATCHED)
    stale = form_data(loop, request, "confirm")  # the expert opened the page now
    transition(request, "decline", actor=loop.expert, reason="本周外出")
    transition(request, "dispatch", actor=loop.manager, team=loop.team)
    before = snapshot(request)
    client.force_login(loop.expert)

    response = client.post(act_url(request, "confirm"), stale)

    assert response.status_code == 409
    error = parse(response).one(id="action-error").text
    assert "管理团队 changed this request" in error
    assert "Reload it and try again." in error
    assert snapshot(request) == before
    # What the expert typed is still there, now against the current version.
    request.refresh_from_db()
    assert field_value(response, "confirm-arrangement") == stale["confirm-arrangement"]
    assert field_value(response, "confirm-expected_version") == str(request.version)


def test_an_action_the_status_no_longer_allows_is_a_409(loop, client, make_user, lead_hospital):
    request = loop.at(Status.SUBMITTED)
    data = form_data(loop, request, "approve")
    transition(request, "reject", actor=loop.manager, reason="不属于联盟业务范围")
    client.force_login(loop.manager)

    response = client.post(act_url(request, "approve"), data)

    assert response.status_code == 409
    assert "already rejected by 管理团队" in parse(response).one(id="action-error").text
    assert BusinessRequest.objects.get(pk=request.pk).status == Status.REJECTED


def test_a_double_click_is_harmless(loop, client):
    request = loop.at(Status.SUBMITTED, kind=MANUAL)
    client.force_login(loop.manager)
    data = form_data(loop, request, "approve")

    first = client.post(act_url(request, "approve"), data)
    second = client.post(act_url(request, "approve"), data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert request.events.filter(action="approve").count() == 1


def test_htmx_gets_an_hx_redirect(loop, client):
    request = loop.at(Status.SUBMITTED, kind=MANUAL)
    client.force_login(loop.manager)

    response = client.post(
        act_url(request, "approve"), form_data(loop, request, "approve"), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == detail_url(request)


def test_next_sends_a_one_tap_back_to_the_workbench_but_not_elsewhere(loop, client):
    request = loop.at(Status.SUBMITTED, kind=MANUAL)
    other = loop.at(Status.SUBMITTED, kind=MANUAL)
    client.force_login(loop.manager)
    back = reverse("workflow:workbench") + "?queue=to_review"

    response = client.post(
        act_url(request, "approve"), {**form_data(loop, request, "approve"), "next": back}
    )
    offsite = client.post(
        act_url(other, "approve"),
        {**form_data(loop, other, "approve"), "next": "https://evil.example/"},
    )

    assert response["Location"] == back
    assert offsite["Location"] == detail_url(other)


def test_dispatch_lists_the_teams_serving_the_kind_first(loop, client, other_team):
    request = loop.at(Status.APPROVED, kind=MANUAL)
    other_team.services.create(kind=MANUAL)
    client.force_login(loop.manager)

    page = parse(client.get(detail_url(request)))

    options = page.one("select", name="dispatch-team").find_all("option")
    values = [o.get("value") for o in options if o.get("value")]
    assert values[0] == str(other_team.public_id)
    assert str(loop.team.public_id) in values


def test_confirm_offers_only_the_teams_people_as_experts(loop, client, other_expert, make_user):
    request = loop.at(Status.DISPATCHED)
    member = make_user("expert", hospital=loop.team.hospital, name="团队成员")
    loop.team.members.add(member)
    client.force_login(loop.expert)

    page = parse(client.get(detail_url(request)))

    boxes = page.find_all("input", name="confirm-experts")
    assert {b.get("value") for b in boxes} == {str(loop.expert.public_id), str(member.public_id)}


def test_confirm_assigns_the_ticked_experts(loop, client, make_user):
    request = loop.at(Status.DISPATCHED)
    member = make_user("expert", hospital=loop.team.hospital, name="团队成员")
    loop.team.members.add(member)
    client.force_login(loop.expert)

    data = form_data(loop, request, "confirm", experts=[str(member.public_id)])
    response = client.post(act_url(request, "confirm"), data)

    assert response.status_code == 302
    assert list(request.experts.all()) == [member]


def test_close_writes_the_checklist_as_ticked(loop, client):
    request = loop.at(Status.FEEDBACK_GIVEN)
    client.force_login(loop.manager)
    data = form_data(loop, request, "close", score="88")

    client.post(act_url(request, "close"), data)

    review = BusinessRequest.objects.get(pk=request.pk).qc_review
    assert review.score == 88
    assert review.checklist["opinion_signed"] is True
    assert review.checklist["records_archived"] is False
