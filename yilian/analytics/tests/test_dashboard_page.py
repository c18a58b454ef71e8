"""The dashboard page: the alliance summary (institutions, provinces, tier and category mix of
active members), who may open it, its filters and its exports."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yilian.accounts.roles import Role
from yilian.analytics import selectors
from yilian.analytics.selectors import Filters
from yilian.analytics.services import record_activity
from yilian.core.tests.html import parse
from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import HospitalFactory, division

URL = reverse("analytics:dashboard")


@pytest.fixture
def alliance(lead_hospital, hospital_a, hospital_b) -> list[Hospital]:
    """Four active members (province 1, county 2, township 1; general 3, community 1) in two
    provinces, plus hospitals that are not (or no longer) members and must not be counted."""
    township = HospitalFactory(
        name="溧阳市社渚镇卫生院",
        alliance=lead_hospital.alliance,
        tier=Hospital.Tier.TOWNSHIP,
        category=Hospital.Category.COMMUNITY,
        division=division("320400", "常州市"),
    )
    for status in (Hospital.Status.APPLYING, Hospital.Status.WITHDRAWN):
        HospitalFactory(
            alliance=lead_hospital.alliance,
            tier=Hospital.Tier.CITY,
            category=Hospital.Category.SPECIALIST,
            division=division("110000", "北京市"),
            status=status,
        )
    return [lead_hospital, hospital_a, hospital_b, township]


def _shares(block) -> dict[str, str]:
    """data-share key → "count · percent%" as shown."""
    return {
        s.get("data-share"): s.find_all("span")[1].text for s in block.find_all(data_share=True)
    }


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def test_manager_sees_counts_and_tier_shares_matching_the_data(login, manager, alliance):
    response = login(manager).get(URL)

    page = parse(response)
    assert response.status_code == 200
    assert page.one(id="stat-institutions").text == "4"
    assert page.one(id="stat-provinces").text == "2 / 31"
    cards = page.find_all("div", class_="card-body")
    tiers, categories = (_shares(card) for card in cards if card.find(data_share=True))
    assert tiers == {"province": "1 · 25.0%", "county": "2 · 50.0%", "township": "1 · 25.0%"}
    assert categories == {"general": "3 · 75.0%", "community": "1 · 25.0%"}


def test_dashboard_counts_active_users_only(login, manager, staff_a, pending_staff_a, patient):
    response = login(manager).get(URL)

    # manager, hospital admin A, staff A, patient — not the pending registration
    assert parse(response).one(id="stat-users").text == "4"


def test_figures_show_this_period_against_the_same_dates_a_year_earlier(login, manager, hospital_a):
    for day in (date(2026, 2, 1), date(2026, 3, 1), date(2026, 3, 2)):
        record_activity(
            action="complete", user=None, hospital=hospital_a, kind="consultation", at=_at(day)
        )
    for day in (date(2025, 2, 1), date(2025, 7, 1)):  # July 2025 is outside the window
        record_activity(
            action="complete", user=None, hospital=hospital_a, kind="consultation", at=_at(day)
        )

    response = login(manager).get(URL, {"start": "2026-01-01", "end": "2026-06-30"})

    card = parse(response).one(data_figure="consultations")
    assert card.find(data_current=True).text == "3"
    assert card.find(data_growth=True).get("data-growth") == "200.0"
    assert card.find("a", data_drill="consultation").get("href") == (
        reverse("workflow:list") + "?kind=consultation"
    )


def test_a_hospital_admin_sees_their_hospital_beside_its_tier_average(
    login, hospital_admin_a, hospital_a, hospital_b, lead_hospital
):
    today = timezone.localdate()
    for hospital, n in ((hospital_a, 3), (hospital_b, 1), (lead_hospital, 10)):
        for _ in range(n):
            record_activity(
                action="complete", user=None, hospital=hospital, kind="referral", at=_at(today)
            )

    response = login(hospital_admin_a).get(URL, {"province": "110000", "tier": "province"})

    page = parse(response)
    assert page.one(id="stat-institutions").text == "1"
    card = page.one(data_figure="referrals")
    assert card.find(data_current=True).text == "3"
    # hospitals A and B are the county tier: (3 + 1) / 2; the lead hospital is not a peer
    assert card.find(data_tier_average=True).get("data-tier-average") == "2.0"
    assert page.find("select", name="province") is None


@pytest.mark.parametrize("viewer", ["platform_admin", "manager"])
def test_platform_roles_see_the_whole_alliance(request, login, alliance, viewer):
    response = login(request.getfixturevalue(viewer)).get(URL)

    assert response.status_code == 200
    assert parse(response).one(id="stat-institutions").text == "4"


def test_the_province_filter_narrows_institutions_and_figures(login, manager, alliance):
    record_activity(action="submit", user=None, hospital=alliance[3], kind="referral")
    record_activity(action="submit", user=None, hospital=alliance[1], kind="referral")

    response = login(manager).get(URL, {"province": "320000"})

    page = parse(response)
    assert page.one(id="stat-institutions").text == "1"
    interactions = page.one(data_figure="interactions")
    assert interactions.find(data_current=True).text == "1"
    assert _shares(page.one(id="province-ranking")) == {"320000": "1 · 100.0%"}


@pytest.mark.parametrize("viewer", ["staff_a", "expert", "patient", Role.AUDITOR])
def test_dashboard_is_403_for_members_without_a_management_role(
    request, login, make_user, hospital_a, viewer
):
    user = make_user(viewer) if viewer == Role.AUDITOR else request.getfixturevalue(viewer)
    response = login(user).get(URL)

    assert response.status_code == 403


def test_dashboard_with_no_members_shows_no_shares(login, make_user, db):
    admin = make_user(Role.PLATFORM_ADMIN, name="空联盟管理员")

    response = login(admin).get(URL)

    page = parse(response)
    assert page.one(id="stat-institutions").text == "0"
    assert page.find(data_share=True) is None


def test_a_period_ending_before_it_starts_is_explained_and_the_default_shown(login, manager, db):
    response = login(manager).get(URL, {"start": "2026-05-01", "end": "2026-04-01"})

    page = parse(response)
    assert response.status_code == 200
    assert "The end date is before the start date." in page.text
    assert page.one("input", name="start").get("value") == "2026-05-01"  # kept
    this_year = timezone.localdate().replace(month=1, day=1)
    assert this_year.isoformat() in page.one(id="period").text


def test_csv_export_holds_the_figures_and_the_monthly_trend(login, manager, hospital_a):
    record_activity(
        action="complete", user=None, hospital=hospital_a, kind="referral", at=_at(date(2026, 2, 3))
    )
    record_activity(
        action="complete", user=None, hospital=hospital_a, kind="referral", at=_at(date(2025, 2, 3))
    )

    response = login(manager).get(
        reverse("analytics:export", args=["csv"]), {"start": "2026-01-01", "end": "2026-03-31"}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[0] == "Month"
    referrals = header.index("Two-way referrals")
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert [rows[m][referrals] for m in ("2026-01", "2026-02", "2026-03")] == ["0", "1", "0"]
    assert rows["Total"][referrals] == "1"
    assert rows["A year earlier"][referrals] == "1"
    assert rows["Year-on-year growth (%)"][referrals] == "0.0"


def test_excel_export_is_a_workbook_with_the_same_rows(login, manager, hospital_a):
    record_activity(action="login", user=None, hospital=hospital_a, at=_at(date(2026, 1, 5)))

    response = login(manager).get(
        reverse("analytics:export", args=["xlsx"]), {"start": "2026-01-01", "end": "2026-01-31"}
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Month", "Logins")
    assert rows[1][:2] == ("2026-01", 1)


def test_an_unknown_export_format_is_refused(login, manager, db):
    assert login(manager).get(reverse("analytics:export", args=["pdf"])).status_code == 403


def test_a_business_filter_keeps_logins_and_that_business_only(login, manager, hospital_a):
    today = timezone.localdate()
    record_activity(action="submit", user=None, hospital=hospital_a, kind="referral", at=_at(today))
    record_activity(
        action="submit", user=None, hospital=hospital_a, kind="consultation", at=_at(today)
    )
    record_activity(action="training", user=None, hospital=hospital_a, at=_at(today))
    record_activity(action="login", user=None, hospital=hospital_a, at=_at(today))

    page = parse(login(manager).get(URL, {"kind": "referral"}))

    def current(key: str) -> str:
        return page.one(data_figure=key).find(data_current=True).text

    assert (current("interactions"), current("training"), current("logins")) == ("1", "0", "2")


def test_the_page_is_built_once_a_minute_per_filter_set(login, manager, hospital_a, settings):
    """With ``YILIAN_DASHBOARD_CACHE_SECONDS`` the figures of one filter set are reused until
    they expire (the page says when they were computed); other filters are built afresh."""
    settings.YILIAN_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    period = {"start": "2026-01-01", "end": "2026-06-30"}
    record_activity(
        action="complete", user=None, hospital=hospital_a, kind="consultation",
        at=_at(date(2026, 3, 2)),
    )  # fmt: skip
    client = login(manager)

    def consultations(query):
        page = parse(client.get(URL, query))
        return page.one(data_figure="consultations").find(data_current=True).text, page

    first, page = consultations(period)
    record_activity(
        action="complete", user=None, hospital=hospital_a, kind="consultation",
        at=_at(date(2026, 3, 3)),
    )  # fmt: skip
    again, _ = consultations(period)
    other, _ = consultations({**period, "end": "2026-06-29"})
    cache.clear()
    fresh, _ = consultations(period)

    assert (first, again, other, fresh) == ("1", "1", "2", "2")
    assert re.search(r"\b\d\d:\d\d\b", page.one(data_built_at=True).text)


def _complete_consultation(hospital, day: date) -> None:
    record_activity(
        action="complete", user=None, hospital=hospital, kind="consultation", at=_at(day)
    )


def _consultations(board) -> int:
    return next(v.current for v in board.values if v.figure.key == "consultations")


def test_a_stale_copy_answers_while_another_request_rebuilds_it(hospital_a, settings, monkeypatch):
    settings.YILIAN_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    filters = Filters(start=date(2026, 1, 1), end=date(2026, 6, 30))
    _complete_consultation(hospital_a, date(2026, 3, 2))
    first = selectors.dashboard_for_page(filters)
    _complete_consultation(hospital_a, date(2026, 3, 3))
    # Two minutes on: the copy is stale, and another request holds the rebuild.
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    building = selectors.dashboard_cache_key(filters, None) + ":building"
    cache.add(building, 1)

    while_rebuilt = selectors.dashboard_for_page(filters)
    cache.delete(building)
    rebuilt = selectors.dashboard_for_page(filters)

    assert [_consultations(b) for b in (first, while_rebuilt, rebuilt)] == [1, 1, 2]
    assert while_rebuilt.built_at == first.built_at


def test_without_a_copy_a_request_waits_for_the_build_under_way(hospital_a, settings, monkeypatch):
    """… and builds the figures itself if that build never delivers."""
    settings.YILIAN_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    monkeypatch.setattr(selectors, "_BUILD_WAIT_S", 0.3)
    filters = Filters(start=date(2026, 1, 1), end=date(2026, 6, 30))
    _complete_consultation(hospital_a, date(2026, 3, 2))
    cache.add(selectors.dashboard_cache_key(filters, None) + ":building", 1)

    board = selectors.dashboard_for_page(filters)

    assert _consultations(board) == 1
