"""The sentinel pages: the reporter's weekly form on the phone, scoping (another hospital's
site, report or alert is a 404; patients get nothing), the alert page with its chart data,
and the managers' handling of alerts."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from yilian.core.tests.html import field_errors, field_value, parse

from ..models import Alert, AlertStatus, WeeklyReport, week_label
from .conftest import LAST_WEEK
from .test_services import SPIKE_SERIES

pytestmark = pytest.mark.django_db


def _post_report(client, site, **fields):
    data = {
        "week": week_label(LAST_WEEK),
        "seen": "100",
        "ili": "5",
        "tested": "10",
        "positive": "2",
    }
    data.update(fields)
    return client.post(reverse("sentinel:report_new", args=[site.public_id]), data)


def test_reporter_sees_their_site_and_reports_a_week(login, staff_a, site_a, site_b):
    client = login(staff_a)
    home = client.get(reverse("sentinel:home"))
    assert home.status_code == 200
    assert str(site_a.public_id) in home.content.decode()
    assert str(site_b.public_id) not in home.content.decode()

    form = client.get(reverse("sentinel:report_new", args=[site_a.public_id]))
    assert field_value(form, "week") == week_label(LAST_WEEK)

    response = _post_report(client, site_a)
    assert response.status_code == 302
    assert WeeklyReport.objects.get(site=site_a).values.get(indicator__code="ili").value == 5


def test_a_wrong_report_comes_back_with_the_message_and_what_was_typed(login, staff_a, site_a):
    response = _post_report(login(staff_a), site_a, ili="150", seen="100")
    assert response.status_code == 422
    assert field_errors(response, "ili") == ["ILI cases (150) cannot be more than Seen (100)."]
    assert field_value(response, "ili") == "150"
    assert field_value(response, "seen") == "100"
    assert not WeeklyReport.objects.exists()


def test_other_hospitals_sites_reports_and_alerts_are_404(
    login, staff_a, staff_b, site_a, baseline_rule, report_series
):
    report_series(site_a, SPIKE_SERIES)
    report = WeeklyReport.objects.filter(site=site_a).first()
    alert = Alert.objects.get()
    client = login(staff_b)
    for url in (
        reverse("sentinel:site", args=[site_a.public_id]),
        reverse("sentinel:report_new", args=[site_a.public_id]),
        reverse("sentinel:report", args=[report.public_id]),
        reverse("sentinel:alert", args=[alert.public_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("sentinel:report_new", args=[site_a.public_id]), {}).status_code == 404
    )
    assert WeeklyReport.objects.filter(site=site_a).count() == len(SPIKE_SERIES)
    listing = client.get(reverse("sentinel:alerts"))
    assert str(alert.public_id) not in listing.content.decode()


def test_patients_get_nothing_and_visitors_sign_in(client, login, patient, site_a):
    assert client.get(reverse("sentinel:home")).status_code == 302
    client = login(patient)
    for url in (
        reverse("sentinel:home"),
        reverse("sentinel:alerts"),
        reverse("sentinel:site", args=[site_a.public_id]),
    ):
        assert client.get(url).status_code == 403, url


def test_the_alert_page_shows_the_series_chart(
    login, manager, site_a, baseline_rule, report_series
):
    report_series(site_a, SPIKE_SERIES)
    alert = Alert.objects.get()
    response = login(manager).get(reverse("sentinel:alert", args=[alert.public_id]))
    assert response.status_code == 200
    page = parse(response)
    assert page.one(data_sentinel_chart=True).get("data-sentinel-chart") == "alert-data"
    data = json.loads(page.one("script", id="alert-data").text)
    assert data["series"][0]["values"] == SPIKE_SERIES[7:16]
    assert data["threshold"] == alert.threshold and data["baseline"] == 11.0
    assert data["alert_week"] == alert.week_label == data["weeks"][-1]
    scripts = [s.get("src") or "" for s in page.find_all("script")]
    assert any(s.endswith("yilian/sentinel.js") for s in scripts)
    assert any("echarts" in s for s in scripts)
    inline = [
        s
        for s in page.find_all("script")
        if not s.get("src") and s.get("type") != "application/json"
    ]
    assert not inline


def test_staff_may_not_handle_alerts(login, staff_a, site_a, baseline_rule, report_series):
    report_series(site_a, SPIKE_SERIES)
    alert = Alert.objects.get()
    response = login(staff_a).post(
        reverse("sentinel:alert_handle", args=[alert.public_id]),
        {"action": "close", "comment": "x"},
    )
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_manager_closes_an_alert_with_a_comment(
    login, manager, site_a, baseline_rule, report_series
):
    report_series(site_a, SPIKE_SERIES)
    alert = Alert.objects.get()
    client = login(manager)
    url = reverse("sentinel:alert_handle", args=[alert.public_id])
    refused = client.post(url, {"action": "close", "comment": ""})
    assert (
        refused.status_code == 422 and "Say how the alert was resolved" in refused.content.decode()
    )
    assert (
        client.post(url, {"action": "close", "comment": "Outbreak at a school"}).status_code == 302
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alert.notes.get().comment == "Outbreak at a school"


def test_programme_page_has_trend_data_per_province_and_site(
    login, manager, site_a, site_b, staff_a, staff_b, programme
):
    _post_report(login(staff_a), site_a, ili="5")
    _post_report(login(staff_b), site_b, ili="7")
    client = login(manager)
    url = reverse("sentinel:programme", args=[programme.public_id])

    def ili_last(query: dict) -> int:
        page = parse(client.get(url, query))
        data = json.loads(page.one("script", id="trend-data").text)
        return next(s for s in data["series"] if s["code"] == "ili")["values"][-1]

    assert ili_last({}) == 12
    assert ili_last({"province": site_b.hospital.province_code, "site": str(site_b.public_id)}) == 7
    assert ili_last({"site": str(site_a.public_id)}) == 5
    table = parse(client.get(url)).one("table", id="site-rows")
    assert len(table.find_all("tr", data_site=True)) == 2


def test_programme_page_queries_do_not_grow_with_sites(
    login, manager, programme, site_a, lead_hospital
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yilian.orgs.tests.factories import HospitalFactory

    from ..models import Site

    client = login(manager)
    url = reverse("sentinel:programme", args=[programme.public_id])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for _n in range(4):
        hospital = HospitalFactory(alliance=lead_hospital.alliance)
        Site.objects.create(programme=programme, hospital=hospital, since=site_a.since)
    assert count() == one
