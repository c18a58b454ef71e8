"""Reporting rate and on-time rate per hospital, tier and province, against figures
worked out by hand; the page and its export."""

from __future__ import annotations

import io
import json
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yilian.core.tests.html import parse
from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import HospitalFactory, division

from ..models import Submission
from ..selectors import reporting_rates
from ..services import DatasetData, generate_periods, save_dataset, save_report
from .conftest import GOOD, INDICATORS


def _at(day, hour=12):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def setting(platform_admin, hospital_a, hospital_b, make_user):
    """Three county hospitals (A and B in Zhejiang, C in Jiangsu) and one city hospital
    (D, Zhejiang) report a monthly dataset; two past periods, January and February 2025."""
    alliance = hospital_a.alliance
    c = HospitalFactory(alliance=alliance, name="丙县医院", division=division("320100", "南京市"))
    d = HospitalFactory(alliance=alliance, name="丁市医院", tier=Hospital.Tier.CITY)
    dataset = save_dataset(
        actor=platform_admin,
        data=DatasetData(code="m", name="月报", tiers=["county", "city"]),
        indicators=INDICATORS,
        rules=[],
    )
    generate_periods(dataset, 2025, actor=platform_admin)
    jan, feb = dataset.periods.get(label="2025-01"), dataset.periods.get(label="2025-02")
    staff = {h.pk: make_user("staff", hospital=h) for h in (hospital_a, hospital_b, c, d)}

    def report(hospital, period, first_at):
        made = save_report(
            actor=staff[hospital.pk], period=period, raw=GOOD, expected_version=0, submit=True
        )
        Submission.objects.filter(pk=made.pk).update(first_submitted_at=first_at)

    # January (deadline 2025-02-10): A on time, B late, C on the deadline day, D never.
    report(hospital_a, jan, _at(jan.deadline - timedelta(days=3)))
    report(hospital_b, jan, _at(jan.deadline + timedelta(days=2)))
    report(c, jan, _at(jan.deadline, hour=23))
    # February: only A, late; B has a draft (not reported).
    report(hospital_a, feb, _at(feb.deadline + timedelta(days=1)))
    save_report(actor=staff[hospital_b.pk], period=feb, raw=GOOD, expected_version=0, submit=False)
    return {
        "dataset": dataset,
        "jan": jan,
        "feb": feb,
        "a": hospital_a,
        "b": hospital_b,
        "c": c,
        "d": d,
    }


def test_rates_of_one_period_match_the_hand_count(setting):
    rates = reporting_rates(setting["dataset"], setting["jan"])

    assert (rates.total.expected, rates.total.reported, rates.total.on_time) == (4, 3, 2)
    assert rates.total.reporting_rate == Decimal("75.0")
    assert rates.total.on_time_rate == Decimal("50.0")
    by_hospital = {r.label: (r.reported, r.on_time) for r in rates.by_hospital}
    assert by_hospital == {
        setting["a"].name: (1, 1),
        setting["b"].name: (1, 0),
        "丙县医院": (1, 1),
        "丁市医院": (0, 0),
    }
    tiers = {r.key: (r.expected, r.reported, r.on_time) for r in rates.by_tier}
    assert tiers == {"county": (3, 3, 2), "city": (1, 0, 0)}
    provinces = {r.key: (r.expected, r.reported, r.on_time) for r in rates.by_province}
    assert provinces == {"320000": (1, 1, 1), "330000": (3, 2, 1)}


def test_rates_over_every_past_period(setting):
    rates = reporting_rates(setting["dataset"], today=setting["feb"].deadline + timedelta(days=5))

    assert [p.label for p in rates.periods] == ["2025-01", "2025-02"]
    assert (rates.total.expected, rates.total.reported, rates.total.on_time) == (8, 4, 2)
    a = next(r for r in rates.by_hospital if r.label == setting["a"].name)
    assert (a.expected, a.reported, a.on_time, a.reporting_rate, a.on_time_rate) == (
        2, 2, 1, Decimal("100.0"), Decimal("50.0"),
    )  # fmt: skip


def test_the_rates_page_and_its_export(login, manager, setting):
    client = login(manager)
    params = {"dataset": setting["dataset"].public_id, "period": setting["jan"].public_id}
    page = parse(client.get(reverse("reporting:rates"), params))
    assert page.one(id="total-reporting-rate").text == "75.0%"
    assert page.one(id="total-on-time-rate").text == "50.0%"
    chart = json.loads(page.one("script", id="rates-chart-data").text)
    assert dict(zip(chart["labels"], chart["reporting"], strict=True)) == {
        "江苏省": 100.0,
        "浙江省": 66.7,
    }

    response = client.get(reverse("reporting:rates"), {**params, "by": "tier", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["county"] == (3, 3, 2, "100.0%", "66.7%")
    assert rows["city"] == (1, 0, 0, "0.0%", "0.0%")


@pytest.mark.parametrize("who", ["staff_a", "hospital_admin_a"])
def test_hospital_users_do_not_see_the_rates(login, request, who, setting):
    assert login(request.getfixturevalue(who)).get(reverse("reporting:rates")).status_code == 404
