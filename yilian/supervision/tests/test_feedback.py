"""The feedback channel end to end: raised, triaged, answered, resolved, rated."""

from __future__ import annotations

from django.urls import reverse

from yilian.core.tests.html import field_errors, parse
from yilian.notify.models import Notification
from yilian.workflow.services import transition
from yilian.workflow.tests.conftest import Loop

from ..models import Ticket


def _act(ticket: Ticket, step: str) -> str:
    return reverse("supervision:ticket_act", args=[ticket.public_id, step])


def test_a_complaint_is_raised_answered_resolved_and_rated(client, loop: Loop, manager):
    request = transition(loop.new(title="会诊一直无人接"), "submit", actor=loop.applicant)
    client.force_login(loop.applicant)
    missing = client.post(
        reverse("supervision:ticket_new"), {"category": "complaint", "about": "business"}
    )
    assert missing.status_code == 422
    assert field_errors(missing, "title")
    assert not Ticket.objects.exists()

    response = client.post(
        reverse("supervision:ticket_new"),
        {
            "category": "complaint",
            "about": "business",
            "request": str(request.public_id),
            "title": "会诊迟迟未安排",
            "body": "提交三天仍未审核。",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.request == request and ticket.status == Ticket.Status.OPEN
    assert Notification.objects.filter(recipient=manager, verb="feedback.raised").exists()

    client.force_login(manager)
    assert client.post(_act(ticket, "triage"), {"priority": "high"}).status_code == 302
    assert client.post(_act(ticket, "answer"), {"answer": ""}).status_code == 422
    assert client.post(_act(ticket, "answer"), {"answer": "已催办，今日安排。"}).status_code == 302
    assert client.post(_act(ticket, "resolve")).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.handler) == ("resolved", "high", manager)
    assert (
        Notification.objects.filter(
            recipient=loop.applicant, verb__in=["feedback.answered", "feedback.resolved"]
        ).count()
        == 2
    )

    client.force_login(loop.applicant)
    page = parse(client.get(reverse("supervision:ticket", args=[ticket.public_id])))
    assert page.one(id="ticket-status").get("data-status") == "resolved"
    assert page.find("form", id="rate-form") is not None
    assert client.post(_act(ticket, "rate"), {"rating": "4", "comment": "满意"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (4, "满意")
    again = client.post(_act(ticket, "rate"), {"rating": "1"})
    assert again.status_code == 422
    ticket.refresh_from_db()
    assert ticket.rating == 4


def test_others_cannot_see_or_handle_someone_elses_feedback(client, loop: Loop, staff_b):
    client.force_login(loop.applicant)
    client.post(
        reverse("supervision:ticket_new"),
        {"category": "suggestion", "about": "platform", "title": "加夜间模式", "body": "晚上刺眼"},
    )
    ticket = Ticket.objects.get()

    client.force_login(staff_b)
    assert client.get(reverse("supervision:ticket", args=[ticket.public_id])).status_code == 404
    assert client.post(_act(ticket, "answer"), {"answer": "x"}).status_code == 404

    client.force_login(loop.applicant)  # the author cannot answer their own feedback
    assert client.post(_act(ticket, "answer"), {"answer": "自己回答"}).status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.answer) == (Ticket.Status.OPEN, "")


def test_feedback_on_a_request_one_cannot_see_is_refused(client, loop: Loop, staff_b):
    request = transition(loop.new(), "submit", actor=loop.applicant)
    client.force_login(staff_b)
    response = client.post(
        reverse("supervision:ticket_new"),
        {
            "category": "complaint",
            "about": "business",
            "request": str(request.public_id),
            "title": "x",
            "body": "y",
        },
    )
    assert response.status_code == 422
    assert not Ticket.objects.exists()
