"""Weekly reports, their checks, alert evaluation and the handling of alerts."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from yilian.analytics.models import ActivityEvent
from yilian.notify.models import Notification

from .. import selectors, services
from ..models import Alert, AlertStatus, ReportValue, Site, WeeklyReport, parse_week, week_label
from .conftest import LAST_WEEK, values

pytestmark = pytest.mark.django_db

# Twenty weeks of ILI counts around 11 with one spike (40) in the sixteenth week.
SPIKE_SERIES = [10, 12, 11, 13, 9, 10, 12, 11, 10, 12, 11, 13, 9, 10, 12, 40, 11, 12, 10, 11]
SPIKE_INDEX = 15


def test_parse_week_reads_the_week_input():
    assert parse_week("2026-W07").isoformat() == "2026-02-09"
    assert week_label(parse_week("2026-W07")) == "2026-W07"
    assert parse_week("2026-W60") is None and parse_week("next week") is None


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({**values(5), "tested": -1}, "tested", "cannot be negative"),
        (values(30, seen=20), "ili", "ILI cases (30) cannot be more than Seen (20)"),
        (
            {**values(5), "positive": 11},
            "positive",
            "Positive (11) cannot be more than Tested (10)",
        ),
        ({**values(5), "seen": ""}, "seen", "Enter the number"),
        ({**values(5), "seen": "12a"}, "seen", "whole number"),
    ],
)
def test_wrong_values_are_refused_with_a_message_and_nothing_saved(
    site_a, staff_a, given, field, message
):
    with pytest.raises(ValidationError) as caught:
        services.submit_report(site_a, week=LAST_WEEK, values=given, actor=staff_a)
    assert message in " ".join(caught.value.message_dict[field])
    assert not WeeklyReport.objects.exists() and not ReportValue.objects.exists()


def test_weeks_not_started_or_before_the_site_are_refused(site_a, staff_a):
    for week in (LAST_WEEK + timedelta(weeks=2), site_a.since - timedelta(weeks=1)):
        with pytest.raises(ValidationError) as caught:
            services.submit_report(site_a, week=week, values=values(5), actor=staff_a)
        assert "week" in caught.value.message_dict
    assert not WeeklyReport.objects.exists()


def test_staff_of_another_hospital_may_not_report(site_a, staff_b, patient):
    for user in (staff_b, patient):
        with pytest.raises(PermissionDenied):
            services.submit_report(site_a, week=LAST_WEEK, values=values(5), actor=user)
    assert not WeeklyReport.objects.exists()


def test_resubmitting_a_week_corrects_it(site_a, staff_a):
    services.submit_report(site_a, week=LAST_WEEK, values=values(5), actor=staff_a)
    report = services.submit_report(site_a, week=LAST_WEEK, values=values(7), actor=staff_a)
    assert WeeklyReport.objects.count() == 1 and report.revision == 2
    assert report.values.get(indicator__code="ili").value == 7


def test_a_spike_raises_exactly_one_baseline_alert(site_a, baseline_rule, report_series, manager):
    report_series(site_a, SPIKE_SERIES)

    alert = Alert.objects.get()  # exactly one
    spike_week = LAST_WEEK - timedelta(weeks=len(SPIKE_SERIES) - 1 - SPIKE_INDEX)
    assert (alert.rule, alert.site, alert.week, alert.value) == (
        baseline_rule,
        site_a,
        spike_week,
        40,
    )
    # The eight weeks before the spike are 11 10 12 11 13 9 10 12: mean 11, sample SD √(12/7).
    assert alert.baseline == 11.0
    assert alert.threshold == round(11 + 2 * math.sqrt(12 / 7), 2)
    assert [p["value"] for p in alert.series] == SPIKE_SERIES[SPIKE_INDEX - 8 : SPIKE_INDEX + 1]
    assert alert.series[-1]["week"] == week_label(spike_week)
    assert Notification.objects.filter(recipient=manager, verb=services.NOTIFY_VERB).count() == 1


def test_no_duplicate_alert_for_the_same_rule_site_and_week(
    site_a, baseline_rule, report_series, staff_a, manager
):
    reports = report_series(site_a, SPIKE_SERIES)
    spike = reports[SPIKE_INDEX]
    services.submit_report(site_a, week=spike.week, values=values(41), actor=staff_a)
    assert services.evaluate_all() == 0
    assert Alert.objects.count() == 1
    assert Notification.objects.filter(verb=services.NOTIFY_VERB).count() == 1
    alert = Alert.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(rule=baseline_rule, site=site_a, week=alert.week, value=1, threshold=0)


def test_backfill_raises_alerts_for_rules_added_later(site_a, report_series, programme):
    report_series(site_a, SPIKE_SERIES)
    assert not Alert.objects.exists()
    from ..models import AlertRule, RuleKind

    AlertRule.objects.create(
        programme=programme,
        indicator=programme.indicators.get(code="ili"),
        name="late rule",
        kind=RuleKind.BASELINE,
        min_count=10,
    )
    assert services.evaluate_all() == 1
    assert services.evaluate_all() == 0


def test_threshold_rule_fires_on_positives(site_a, threshold_rule, staff_a):
    services.submit_report(
        site_a, week=LAST_WEEK, values=values(40, tested=50, positive=30), actor=staff_a
    )
    alert = Alert.objects.get()
    assert alert.rule == threshold_rule and alert.value == 30 and alert.baseline is None


def test_a_flat_small_series_raises_nothing(site_a, baseline_rule, report_series):
    report_series(site_a, [1, 2, 1, 1, 2, 1, 1, 1, 6])  # 6 is a rise, but below 10
    assert not Alert.objects.exists()


def test_report_submission_is_recorded_as_activity(
    site_a, staff_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_report(site_a, week=LAST_WEEK, values=values(5), actor=staff_a)
    event = ActivityEvent.objects.get(kind="sentinel")
    assert (event.action, event.user, event.hospital_id) == ("submit", staff_a, site_a.hospital_id)


def test_managers_acknowledge_then_close_with_a_comment(
    site_a, baseline_rule, report_series, manager, staff_a
):
    report_series(site_a, SPIKE_SERIES)
    alert = Alert.objects.get()
    with pytest.raises(PermissionDenied):
        services.acknowledge_alert(alert, actor=staff_a)
    alert = services.acknowledge_alert(alert, actor=manager, comment="Checking with the site")
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == manager
    with pytest.raises(ValidationError):
        services.close_alert(alert, actor=manager, comment="  ")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    alert = services.close_alert(alert, actor=manager, comment="A school outbreak, contained")
    assert alert.status == AlertStatus.CLOSED and alert.closed_at is not None
    assert [n.action for n in alert.notes.all()] == ["acknowledge", "close"]
    with pytest.raises(ValidationError):
        services.close_alert(alert, actor=manager, comment="again")


def _alert_notices() -> int:
    return Notification.objects.filter(verb=services.NOTIFY_VERB).count()


def test_a_correction_under_the_limit_withdraws_the_open_alert(
    site_a, baseline_rule, report_series, manager, staff_a
):
    spike = report_series(site_a, SPIKE_SERIES)[SPIKE_INDEX]
    raised = Alert.objects.get()
    assert (raised.status, raised.value) == (AlertStatus.OPEN, 40) and _alert_notices() == 1

    services.submit_report(site_a, week=spike.week, values=values(11), actor=staff_a)

    alert = Alert.objects.get()  # still the one alert, not a second
    assert alert.pk == raised.pk
    assert alert.status == AlertStatus.CLOSED
    assert (alert.closed_by, alert.acknowledged_by) == (staff_a, staff_a)
    assert alert.closed_at is not None
    assert alert.value == 11 and alert.series[-1] == {"week": spike.week_label, "value": 11}
    assert (alert.threshold, alert.baseline) == (raised.threshold, raised.baseline)  # same weeks
    note = alert.notes.get()
    assert (note.action, note.actor) == ("close", staff_a)
    assert note.comment.startswith("Withdrawn: the report was corrected to 11")
    assert _alert_notices() == 1  # a withdrawal tells nobody


def test_a_correction_still_over_the_limit_updates_the_open_alert(
    site_a, threshold_rule, staff_a, manager
):
    services.submit_report(
        site_a, week=LAST_WEEK, values=values(40, tested=50, positive=30), actor=staff_a
    )
    raised = Alert.objects.get()
    assert (raised.value, raised.threshold) == (30, 30.0)
    threshold_rule.threshold = 25  # the limit the re-evaluation now applies
    threshold_rule.save(update_fields=["threshold"])

    services.submit_report(
        site_a, week=LAST_WEEK, values=values(40, tested=50, positive=45), actor=staff_a
    )

    alert = Alert.objects.get()
    assert alert.pk == raised.pk and alert.status == AlertStatus.OPEN
    assert (alert.value, alert.threshold, alert.baseline) == (45, 25.0, None)
    assert alert.series == [{"week": week_label(LAST_WEEK), "value": 45}]
    assert not alert.notes.exists()
    assert _alert_notices() == 1  # an update is no new alert


def test_a_correction_keeps_an_acknowledged_alert_acknowledged(
    site_a, baseline_rule, report_series, manager, staff_a
):
    spike = report_series(site_a, SPIKE_SERIES)[SPIKE_INDEX]
    services.acknowledge_alert(Alert.objects.get(), actor=manager)

    services.submit_report(site_a, week=spike.week, values=values(11), actor=staff_a)

    alert = Alert.objects.get()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.closed_at is None
    assert alert.value == 11 and alert.series[-1]["value"] == 11
    assert [n.action for n in alert.notes.all()] == ["acknowledge"]
    # The manager handling it closes it with their own finding.
    services.close_alert(alert, actor=manager, comment="A typing error, corrected")
    assert Alert.objects.get().closed_by == manager
    assert _alert_notices() == 1


def test_a_correction_leaves_a_closed_alert_as_it_was_handled(
    site_a, baseline_rule, report_series, manager, staff_a
):
    spike = report_series(site_a, SPIKE_SERIES)[SPIKE_INDEX]
    services.close_alert(Alert.objects.get(), actor=manager, comment="A school outbreak")

    services.submit_report(site_a, week=spike.week, values=values(11), actor=staff_a)
    services.submit_report(site_a, week=spike.week, values=values(60), actor=staff_a)

    alert = Alert.objects.get()
    assert (alert.status, alert.value, alert.closed_by) == (AlertStatus.CLOSED, 40, manager)
    assert [n.comment for n in alert.notes.all()] == ["A school outbreak"]
    assert _alert_notices() == 1


def test_week_states_show_on_time_late_and_missing(site_a, staff_a):
    site = Site.objects.get(pk=site_a.pk)
    on_time = services.submit_report(
        site, week=LAST_WEEK - timedelta(weeks=1), values=values(5), actor=staff_a
    )
    late = services.submit_report(
        site, week=LAST_WEEK - timedelta(weeks=3), values=values(5), actor=staff_a
    )
    WeeklyReport.objects.filter(pk=on_time.pk).update(
        submitted_at=late.submitted_at - timedelta(days=13)
    )
    states = {s.week: s.state for s in selectors.week_states(site, weeks=4)}
    assert states[LAST_WEEK - timedelta(weeks=1)] == "on_time"
    assert states[LAST_WEEK - timedelta(weeks=3)] == "late"
    assert states[LAST_WEEK - timedelta(weeks=2)] == "missing"
    assert states[LAST_WEEK] in {"due", "missing"}  # depends on the weekday today


def test_trend_sums_sites_per_week(site_a, site_b, staff_a, staff_b, programme):
    services.submit_report(site_a, week=LAST_WEEK, values=values(5), actor=staff_a)
    services.submit_report(site_b, week=LAST_WEEK, values=values(7), actor=staff_b)
    chart = selectors.trend(programme, Site.objects.all(), weeks=4, end=LAST_WEEK)
    ili = next(s for s in chart["series"] if s["code"] == "ili")
    assert ili["values"] == [None, None, None, 12]
    assert chart["reporting"][-1] == 2
    only_a = selectors.trend(programme, Site.objects.filter(pk=site_a.pk), weeks=4, end=LAST_WEEK)
    assert next(s for s in only_a["series"] if s["code"] == "ili")["values"][-1] == 5
