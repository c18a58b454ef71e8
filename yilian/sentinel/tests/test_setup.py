"""Platform managers define programmes as data: details, indicators (with the "may not
exceed" pairs), sentinel sites and alert rules; nobody else may."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from yilian.core.tests.html import field_errors, parse

from .. import services
from ..models import AlertRule, Indicator, Programme, RuleKind, Site
from .conftest import LAST_WEEK

pytestmark = pytest.mark.django_db


def test_only_managers_set_up_programmes(staff_a, hospital_admin_a, programme, hospital_a):
    for user in (staff_a, hospital_admin_a):
        with pytest.raises(PermissionDenied):
            services.save_programme(actor=user, code="diarrhoea", name="腹泻病监测")
        with pytest.raises(PermissionDenied):
            services.add_site(programme, actor=user, hospital=hospital_a, since=LAST_WEEK)
    assert Programme.objects.count() == 1 and not Site.objects.exists()


def test_setup_checks_codes_caps_and_rules(manager, programme):
    with pytest.raises(ValidationError) as caught:
        services.save_programme(actor=manager, code="ili", name="again")
    assert "code" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.add_indicator(programme, actor=manager, code="seen", label="dup")
    other = Programme.objects.create(code="other", name="Other")
    foreign = Indicator.objects.create(programme=other, code="x", label="X")
    with pytest.raises(ValidationError):
        services.add_indicator(programme, actor=manager, code="y", label="Y", not_above=foreign)
    ili = programme.indicators.get(code="ili")
    with pytest.raises(ValidationError) as caught:
        services.save_rule(
            programme, actor=manager, indicator=ili, name="t", kind=RuleKind.THRESHOLD
        )
    assert "threshold" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.save_rule(programme, actor=manager, indicator=foreign, name="t", kind="baseline")
    assert not AlertRule.objects.exists()


def test_a_site_starts_on_a_monday_and_can_be_withdrawn(manager, programme, hospital_a, staff_a):
    site = services.add_site(
        programme, actor=manager, hospital=hospital_a, since=LAST_WEEK + timedelta(days=3)
    )
    assert site.since == LAST_WEEK
    services.set_site_active(site, actor=manager, active=False)
    with pytest.raises(PermissionDenied):
        services.submit_report(
            site,
            week=LAST_WEEK,
            values={"seen": 1, "ili": 1, "tested": 1, "positive": 0},
            actor=staff_a,
        )
    again = services.add_site(programme, actor=manager, hospital=hospital_a, since=LAST_WEEK)
    assert again.pk == site.pk and again.active


def test_manager_defines_a_programme_through_the_pages(login, manager, hospital_a, staff_a):
    client = login(manager)
    response = client.post(
        reverse("sentinel:programme_new"),
        {"code": "diarrhoea", "name": "腹泻病监测", "due_days": "2", "active": "on"},
    )
    programme = Programme.objects.get(code="diarrhoea")
    url = reverse("sentinel:setup", args=[programme.public_id])
    assert response.status_code == 302 and response["Location"] == url

    client.post(url, {"part": "indicator", "indicator-code": "seen", "indicator-label": "Seen"})
    seen = programme.indicators.get(code="seen")
    client.post(
        url,
        {
            "part": "indicator",
            "indicator-code": "cases",
            "indicator-label": "Cases",
            "indicator-not_above": seen.pk,
        },
    )
    assert programme.indicators.get(code="cases").not_above == seen
    client.post(
        url,
        {
            "part": "site",
            "site-hospital": hospital_a.pk,
            "site-since": (LAST_WEEK - timedelta(weeks=4)).isoformat(),
        },
    )
    site = Site.objects.get(programme=programme, hospital=hospital_a)
    bad = client.post(
        url,
        {
            "part": "rule",
            "rule-name": "High",
            "rule-indicator": seen.pk,
            "rule-kind": "threshold",
            "rule-baseline_weeks": "8",
            "rule-sd_multiplier": "2",
            "rule-min_count": "5",
        },
    )
    assert bad.status_code == 422
    assert field_errors(bad, "rule-threshold") == ["A threshold rule needs its threshold."]
    assert parse(bad).one("input", name="rule-name").get("value") == "High"
    client.post(
        url,
        {
            "part": "rule",
            "rule-name": "Rise",
            "rule-indicator": seen.pk,
            "rule-kind": "baseline",
            "rule-baseline_weeks": "6",
            "rule-sd_multiplier": "1.5",
            "rule-min_count": "3",
        },
    )
    rule = AlertRule.objects.get(programme=programme)
    assert (rule.baseline_weeks, rule.sd_multiplier) == (6, Decimal("1.50"))

    report = services.submit_report(
        site, week=LAST_WEEK, values={"seen": 9, "cases": 4}, actor=staff_a
    )
    assert report.values.count() == 2


def test_staff_may_not_open_the_setup_pages(login, staff_a, programme, site_a):
    client = login(staff_a)
    assert client.get(reverse("sentinel:programme_new")).status_code == 403
    url = reverse("sentinel:setup", args=[programme.public_id])
    assert client.get(url).status_code == 403
    assert (
        client.post(
            url, {"part": "site_active", "site": site_a.public_id, "active": "0"}
        ).status_code
        == 403
    )
    site_a.refresh_from_db()
    assert site_a.active
