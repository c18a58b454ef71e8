"""Deadline reminders and overdue escalation at an explicit "now": each goes once, to the
hospitals that have not reported, and the managers hear of overdue hospitals once per
period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from yilian.notify.models import Notification

from ..models import ReminderKind, ReportReminder
from ..services import generate_periods, save_report, send_reminders
from .conftest import GOOD, make_dataset


def _now(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9)))


@pytest.fixture
def march(platform_admin, hospital_a, hospital_b):
    """A monthly dataset (deadline 10 days after the month, reminders 3 days before,
    escalation 3 days after) of the county hospitals A and B; March 2026 is due 10 April."""
    dataset = make_dataset(platform_admin, deadline_days=10, remind_days=3, escalate_days=3)
    generate_periods(dataset, 2026, actor=platform_admin)
    period = dataset.periods.get(label="2026-03")
    assert period.deadline == date(2026, 4, 10)
    dataset.periods.exclude(pk=period.pk).delete()  # one period to watch
    return period


def _titles(user, verb):
    return list(
        Notification.objects.filter(recipient=user, verb=verb).values_list("title", flat=True)
    )


def test_nothing_is_sent_before_the_reminder_window(march, staff_a):
    counts = send_reminders(now=_now(date(2026, 4, 6)))
    assert counts[ReminderKind.DUE_SOON] == 0
    assert not Notification.objects.filter(recipient=staff_a, verb__startswith="reporting").exists()


def test_hospitals_that_have_not_reported_are_reminded_once_before_the_deadline(
    march, staff_a, staff_b, hospital_admin_b, manager
):
    save_report(actor=staff_a, period=march, raw=GOOD, expected_version=0, submit=True)

    counts = send_reminders(now=_now(date(2026, 4, 7)))
    again = send_reminders(now=_now(date(2026, 4, 8)))

    assert counts[ReminderKind.DUE_SOON] == 1 and again[ReminderKind.DUE_SOON] == 0
    assert _titles(staff_a, "reporting.due_soon") == []  # A reported
    assert len(_titles(staff_b, "reporting.due_soon")) == 1
    assert "2026-03" in _titles(hospital_admin_b, "reporting.due_soon")[0]
    assert not Notification.objects.filter(recipient=manager).exists()


def test_after_the_deadline_the_hospital_hears_it_is_overdue_then_managers_are_told(
    march, staff_b, manager, hospital_b
):
    send_reminders(now=_now(date(2026, 4, 11)))
    assert len(_titles(staff_b, "reporting.overdue")) == 1
    assert not Notification.objects.filter(recipient=manager).exists()

    counts = send_reminders(now=_now(date(2026, 4, 13)))
    send_reminders(now=_now(date(2026, 4, 14)))

    assert counts[ReminderKind.ESCALATED] == 2  # A and B: neither reported
    escalations = Notification.objects.filter(recipient=manager, verb="reporting.escalated")
    assert escalations.count() == 1  # one message for the period, naming the hospitals
    assert hospital_b.name in escalations.get().body
    assert len(_titles(staff_b, "reporting.overdue")) == 1
    assert ReportReminder.objects.filter(period=march, kind=ReminderKind.ESCALATED).count() == 2


def test_a_report_submitted_late_stops_the_escalation(march, staff_a, staff_b, manager, hospital_a):
    send_reminders(now=_now(date(2026, 4, 11)))
    save_report(actor=staff_a, period=march, raw=GOOD, expected_version=0, submit=True)

    send_reminders(now=_now(date(2026, 4, 20)))

    body = Notification.objects.get(recipient=manager, verb="reporting.escalated").body
    assert hospital_a.name not in body


def test_long_overdue_periods_no_longer_send_reminders(march, staff_b):
    counts = send_reminders(now=_now(march.deadline + timedelta(days=90)))

    assert sum(counts.values()) == 0
    assert not ReportReminder.objects.filter(period=march).exists()
    assert not Notification.objects.filter(recipient=staff_b, verb__startswith="reporting").exists()


def test_the_daily_command_runs_the_reminders(march, staff_b, capsys):
    call_command("send_report_reminders")
    out = capsys.readouterr().out
    assert "due_soon" in out and "escalated" in out
