"""What the engine's notifications say outside the app: the business and what happened,
never the request's title or a step's note; SMS only for urgent requests by default."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from yilian.notify.models import Delivery, Notification
from yilian.workflow.models import Status
from yilian.workflow.services import transition

NOTE = "患者肌钙蛋白升高，请补充心电图"


@pytest.fixture
def sms_lines(caplog):
    caplog.set_level(logging.INFO, logger="yilian.sms")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "yilian.sms"]


def test_an_urgent_request_reaches_the_applicant_by_sms_and_email_without_patient_data(
    loop, staff_a, manager, sms_lines, django_capture_on_commit_callbacks
):
    staff_a.email = "zhao@a.example"
    staff_a.save(update_fields=["email"])
    request = loop.at(Status.SUBMITTED, title="张三 胸痛会诊", urgency="urgent")

    with django_capture_on_commit_callbacks(execute=True):
        transition(request, "return", actor=manager, note=NOTE)

    [line] = sms_lines()
    assert line.startswith(f"SMS to {staff_a.phone[:3]}****{staff_a.phone[-4:]}:")
    assert "Your Test consultation request is now returned for changes." in line
    [message] = mail.outbox
    assert message.to == ["zhao@a.example"]
    assert "Test consultation" in message.subject
    for private in ("张三", NOTE, staff_a.phone):
        assert private not in line
        assert private not in message.subject + message.body
    # in the app, the applicant reads the whole of it
    note = Notification.objects.get(recipient=staff_a, verb="workflow.return")
    assert (note.body, note.urgent) == (NOTE, True)


def test_a_routine_request_does_not_go_by_sms_by_default(
    loop, staff_a, manager, sms_lines, django_capture_on_commit_callbacks
):
    request = loop.at(Status.SUBMITTED, urgency="routine")

    with django_capture_on_commit_callbacks(execute=True):
        transition(request, "return", actor=manager, note=NOTE)

    assert sms_lines() == []
    delivery = Delivery.objects.get(
        notification__recipient=staff_a, notification__verb="workflow.return", channel="sms"
    )
    assert (delivery.status, delivery.detail) == (Delivery.Status.SKIPPED, "not_urgent")
