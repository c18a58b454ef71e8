"""The workbench: the user's queues with counts, overdue requests first, one-tap actions,
filters, htmx fragments — at a query count that does not grow with the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from yilian.core.tests.html import parse
from yilian.workflow.models import BusinessRequest, Status

from .conftest import MANUAL, ROUTED
from .views_support import act_url, detail_url

pytestmark = pytest.mark.django_db

URL = reverse("workflow:workbench")


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _counts(page) -> dict[str, str]:
    return {
        a.get("data-queue"): a.one("span", data_count=True).text
        for a in page.one("ul", class_="yl-queues").find_all("a")
    }


def _table_rows(page) -> list[str]:
    table = page.find("table")
    if table is None:
        assert page.find(data_empty=True) is not None
        return []
    return [tr.get("data-request") for tr in table.find_all("tr", data_request=True)]


def test_manager_sees_their_queues_with_counts(loop, client):
    loop.at(Status.SUBMITTED)
    loop.at(Status.SUBMITTED)
    loop.at(Status.FEEDBACK_GIVEN)
    client.force_login(loop.manager)

    page = parse(client.get(URL))

    assert _counts(page) == {
        "to_review": "2",
        "to_dispatch": "0",
        "to_publish": "0",
        "today": "0",
        "to_qc": "1",
    }
    active = page.one("a", class_="active", data_queue=True)
    assert active.get("data-queue") == "to_review"  # the first queue with work in it
    assert len(_table_rows(page)) == 2


def test_staff_sees_their_queues_and_own_requests(loop, client):
    draft = loop.new()
    client.force_login(loop.applicant)

    page = parse(client.get(URL + "?queue=mine"))

    assert set(_counts(page)) == {"today", "to_give_feedback", "mine"}
    assert _table_rows(page) == [str(draft.public_id)]
    assert page.find("a", id="apply-link") is not None


def test_a_user_without_queues_gets_an_empty_state(client, make_user, lead_hospital):
    auditor = make_user("auditor", hospital=lead_hospital)
    client.force_login(auditor)

    page = parse(client.get(URL))

    assert page.find("ul", class_="yl-queues") is None
    assert page.find(data_empty=True) is not None


def test_overdue_requests_come_first_and_are_marked(loop, client):
    emergency = loop.at(Status.SUBMITTED, urgency="emergency", title="急诊会诊")
    # submitted a day and an hour ago (the SLA for review is 24 h)
    with freeze_time(timezone.now() - timedelta(hours=25)):
        late = loop.at(Status.SUBMITTED, urgency="routine", title="常规会诊")
    client.force_login(loop.manager)

    page = parse(client.get(URL + "?queue=to_review"))

    assert _table_rows(page) == [str(late.public_id), str(emergency.public_id)]
    rows = page.one("table").find_all("tr", data_request=True)
    assert rows[0].find(data_overdue=True) is not None
    assert "overdue by" in rows[0].one(data_overdue=True).text
    assert rows[1].find(data_overdue=True) is None
    assert "due in" in rows[1].one(data_due=True).text


def test_rows_offer_one_tap_steps_and_link_the_others(loop, client):
    request = loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    page = parse(client.get(URL + "?queue=to_review"))

    row = page.one("table").one("tr", data_request=str(request.public_id))
    form = row.one("form", data_one_tap="approve")
    assert form.get("action") == act_url(request, "approve")
    version = form.one("input", name="approve-expected_version").get("value")
    assert version == str(request.version)
    assert form.one("input", name="next").get("value") == URL + "?queue=to_review"
    links = {
        a.get("data-action-link"): a.get("href") for a in row.find_all("a", data_action_link=True)
    }
    assert links["return"] == detail_url(request) + "#act-return"
    assert set(links) == {"return", "reject", "cancel"}


def test_one_tap_approves_and_comes_back_to_the_queue(loop, client):
    request = loop.at(Status.SUBMITTED, kind=MANUAL)
    client.force_login(loop.manager)
    page = parse(client.get(URL + "?queue=to_review"))
    form = page.one("table").one("form", data_one_tap="approve")
    data = {i.get("name"): i.get("value") for i in form.find_all("input")}

    response = client.post(form.get("action"), data)

    assert response["Location"] == URL + "?queue=to_review"
    assert BusinessRequest.objects.get(pk=request.pk).status == Status.APPROVED
    after = parse(client.get(response["Location"]))
    assert _counts(after)["to_dispatch"] == "1"


def test_phone_cards_hold_the_same_rows(loop, client):
    requests = [loop.at(Status.SUBMITTED) for _ in range(2)]
    client.force_login(loop.manager)

    page = parse(client.get(URL + "?queue=to_review"))

    cards = page.one(data_workbench_cards=True).find_all("div", data_request=True)
    assert [c.get("data-request") for c in cards] == _table_rows(page)
    assert {c.get("data-request") for c in cards} == {str(r.public_id) for r in requests}


def test_filters_and_search_narrow_the_queue(loop, client):
    heart = loop.at(Status.SUBMITTED, title="心衰会诊", urgency="urgent")
    loop.at(Status.SUBMITTED, title="骨折会诊", urgency="urgent")
    routine = loop.at(Status.SUBMITTED, title="心律失常会诊", urgency="routine")
    manual = loop.at(Status.SUBMITTED, kind=MANUAL, title="心脏进修", urgency="routine")
    client.force_login(loop.manager)

    def rows(query: str) -> set[str]:
        return set(_table_rows(parse(client.get(URL + "?queue=to_review&" + query))))

    assert rows("query=心") == {str(r.public_id) for r in (heart, routine, manual)}
    assert rows("query=心&urgency=urgent") == {str(heart.public_id)}
    assert rows(f"kind={MANUAL}") == {str(manual.public_id)}
    assert rows(f"kind={ROUTED}&query=无此标题") == set()


def test_htmx_gets_only_the_fragment_it_asked_for(loop, client):
    loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    results = client.get(URL + "?queue=to_review", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    board = client.get(URL + "?queue=to_qc", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board")

    assert b"<html" not in results.content
    assert parse(results).one("div", id="results").get("data-queue") == "to_review"
    assert parse(results).find("ul", class_="yl-queues") is None
    assert b"<html" not in board.content
    assert parse(board).one("a", class_="active", data_queue=True).get("data-queue") == "to_qc"


def test_tabs_and_filters_push_their_url(loop, client):
    client.force_login(loop.manager)

    page = parse(client.get(URL))

    tab = page.one("a", data_queue="to_qc")
    assert tab.get("href") == URL + "?queue=to_qc"
    assert tab.get("hx-push-url") == "true"
    form = page.one("form", hx_target="#results")
    assert form.get("hx-push-url") == "true"


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL + "?queue=to_review")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("owner", "queue", "status"),
    [
        ("manager", "to_review", Status.SUBMITTED),
        ("expert", "to_confirm", Status.DISPATCHED),
    ],
)
def test_query_count_does_not_grow_with_the_rows(loop, client, owner, queue, status):
    client.force_login(getattr(loop, owner))
    for _ in range(2):
        loop.at(status)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL + f"?queue={queue}")
        assert (
            len(_table_rows(parse(response)))
            == BusinessRequest.objects.filter(status=status).count()
        )
        return len(ctx.captured_queries)

    with_two = queries()
    for _ in range(13):
        loop.at(status)
    with_fifteen = queries()

    assert with_two == with_fifteen


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_row_actions_are_exactly_the_allowed_actions(loop, other_expert, hospital_admin_a):
    from yilian.accounts.models import User
    from yilian.workflow.selectors import actions_for_rows, allowed_actions

    requests = [
        loop.at(status)
        for status in (
            Status.DRAFT,
            Status.SUBMITTED,
            Status.DISPATCHED,
            Status.PUBLISHED,
            Status.IN_PROGRESS,
            Status.COMPLETED,
            Status.FEEDBACK_GIVEN,
            Status.CLOSED,
        )
    ]
    for user in (loop.manager, loop.expert, loop.applicant, other_expert, hospital_admin_a):
        fresh = User.objects.get(pk=user.pk)
        visible = list(
            BusinessRequest.objects.visible_to(fresh).filter(pk__in=[r.pk for r in requests])
        )
        bulk = actions_for_rows(fresh, visible)
        assert bulk == {r.pk: allowed_actions(r, fresh) for r in visible}, user
