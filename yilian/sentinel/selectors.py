"""Reads of sentinel monitoring, scoped in one place: monitors see the whole alliance,
reporters their own hospital's sites; anything else is a 404."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from yilian.accounts.models import User
from yilian.core.db_router import reporting
from yilian.orgs.models import Division

from .models import (
    Alert,
    AlertStatus,
    Indicator,
    Programme,
    ReportValue,
    Site,
    WeeklyReport,
    monday_of,
    week_label,
)
from .policies import is_monitor, is_reporter


def programmes_for(user: User) -> QuerySet[Programme]:
    if is_monitor(user):
        return Programme.objects.all()
    if is_reporter(user) and user.hospital_id:
        return Programme.objects.filter(
            sites__hospital_id=user.hospital_id, sites__active=True
        ).distinct()
    return Programme.objects.none()


def sites_for(user: User) -> QuerySet[Site]:
    sites = Site.objects.select_related("programme", "hospital")
    if is_monitor(user):
        return sites
    if is_reporter(user) and user.hospital_id:
        return sites.filter(hospital_id=user.hospital_id)
    return sites.none()


def reports_for(user: User) -> QuerySet[WeeklyReport]:
    return WeeklyReport.objects.select_related(
        "site__programme", "site__hospital", "submitted_by"
    ).filter(site__in=sites_for(user))


def alerts_for(
    user: User, *, status: str = "", programme: Programme | None = None
) -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("rule__indicator", "site__hospital", "site__programme")
    alerts = alerts.filter(site__in=sites_for(user))
    if status:
        alerts = alerts.filter(status=status)
    if programme is not None:
        alerts = alerts.filter(site__programme=programme)
    return alerts


def _get(queryset: QuerySet, public_id: UUID | str):
    try:
        return queryset.get(public_id=public_id)
    except (queryset.model.DoesNotExist, ValidationError):
        raise Http404 from None


def get_programme(user: User, public_id: UUID | str) -> Programme:
    return _get(programmes_for(user), public_id)


def get_site(user: User, public_id: UUID | str) -> Site:
    return _get(sites_for(user), public_id)


def get_report(user: User, public_id: UUID | str) -> WeeklyReport:
    return _get(reports_for(user), public_id)


def get_alert(user: User, public_id: UUID | str) -> Alert:
    return _get(alerts_for(user), public_id)


# --- late and missing weeks --------------------------------------------------------


@dataclass(frozen=True)
class WeekState:
    week: date
    report: WeeklyReport | None
    state: str  # "on_time" | "late" | "missing" | "due" (still within its allowance)

    @property
    def label(self) -> str:
        return week_label(self.week)


def week_states(
    site: Site,
    *,
    weeks: int = 12,
    today: date | None = None,
    reports: dict[date, WeeklyReport] | None = None,
) -> list[WeekState]:
    """The site's last ``weeks`` finished weeks (newest first) with how each was reported
    (``reports``: the site's reports by week when the caller has fetched them already)."""
    today = today or timezone.localdate()
    last = monday_of(today) - timedelta(weeks=1)
    first = max(site.since, last - timedelta(weeks=weeks - 1))
    if reports is None:
        reports = {r.week: r for r in site.reports.filter(week__gte=first, week__lte=last)}
    allowance = 7 + site.programme.due_days
    states: list[WeekState] = []
    week = last
    while week >= first:
        due = week + timedelta(days=allowance)
        report = reports.get(week)
        if report is None:
            state = "due" if today <= due else "missing"
        else:
            state = "late" if timezone.localdate(report.submitted_at) > due else "on_time"
        states.append(WeekState(week, report, state))
        week -= timedelta(weeks=1)
    return states


@dataclass(frozen=True)
class SiteRow:
    site: Site
    last_week: date | None
    missing: int
    open_alerts: int

    @property
    def last_label(self) -> str:
        return week_label(self.last_week) if self.last_week else ""


def site_rows(programme: Programme, sites: QuerySet[Site], *, weeks: int = 8) -> list[SiteRow]:
    """Per site of ``programme``: the last week reported, finished weeks without a report
    among the last ``weeks`` (past their allowance), and open alerts — in three queries
    whatever the number of sites."""
    listed = list(
        sites.filter(programme=programme).annotate(
            open_alerts=Count(
                "alerts", filter=~Q(alerts__status=AlertStatus.CLOSED), distinct=True
            ),
            last_week=Max("reports__week"),
        )
    )
    today = timezone.localdate()
    window_start = monday_of(today) - timedelta(weeks=weeks)
    by_site: dict[int, dict[date, WeeklyReport]] = defaultdict(dict)
    for report in WeeklyReport.objects.filter(site__in=listed, week__gte=window_start):
        by_site[report.site_id][report.week] = report
    rows = []
    for site in listed:
        states = week_states(site, weeks=weeks, today=today, reports=by_site[site.pk])
        missing = sum(1 for s in states if s.state == "missing")
        rows.append(SiteRow(site, site.last_week, missing, site.open_alerts))
    return rows


# --- series for the charts ---------------------------------------------------------


def week_range(end: date, weeks: int) -> list[date]:
    return [end - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


@reporting
def trend(
    programme: Programme, sites: QuerySet[Site], *, weeks: int = 20, end: date | None = None
) -> dict:
    """The weekly sum of each indicator over ``sites`` (one site, a province's sites or the
    whole programme) for the ``weeks`` weeks up to ``end``, with how many sites reported
    each week — the data of a trend chart."""
    end = end or monday_of(timezone.localdate()) - timedelta(weeks=1)
    axis = week_range(end, weeks)
    rows = (
        ReportValue.objects.filter(
            report__site__in=sites.filter(programme=programme),
            report__week__gte=axis[0],
            report__week__lte=end,
        )
        .values("report__week", "indicator_id")
        .annotate(total=Sum("value"), sites=Count("report__site", distinct=True))
        .order_by()
    )
    totals: dict[int, dict[date, int]] = defaultdict(dict)
    reporting: dict[date, int] = {}
    for row in rows:
        totals[row["indicator_id"]][row["report__week"]] = row["total"]
        reporting[row["report__week"]] = max(reporting.get(row["report__week"], 0), row["sites"])
    indicators: list[Indicator] = list(programme.indicators.all())
    return {
        "weeks": [week_label(w) for w in axis],
        "reporting": [reporting.get(w, 0) for w in axis],
        "series": [
            {"code": i.code, "label": i.label, "values": [totals[i.pk].get(w) for w in axis]}
            for i in indicators
        ],
    }


def alert_chart(alert: Alert) -> dict:
    """The series that raised ``alert``, its baseline and limit — the alert page's chart."""
    return {
        "weeks": [p["week"] for p in alert.series],
        "series": [
            {
                "code": alert.rule.indicator.code,
                "label": alert.rule.indicator.label,
                "values": [p["value"] for p in alert.series],
            }
        ],
        "threshold": alert.threshold,
        "baseline": alert.baseline,
        "alert_week": alert.week_label,
    }


def provinces_of(sites: QuerySet[Site]) -> list[tuple[str, str]]:
    """(province code, name) of the provinces the sites are in."""
    codes = sorted(set(sites.values_list("hospital__province_code", flat=True)))
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in codes]
