"""The health-resource database: member hospitals with beds (from their accession),
departments, staff by title and specialty, what their assessment recorded, and their
business volume — in a fixed number of queries, scoped for hospital admins."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from yilian.accession import services as accession
from yilian.accession.models import Assessment
from yilian.accession.tests.conftest import CONTACT, full_answers, hospital_data, licence
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.analytics.selectors import resource_profile, resource_profiles
from yilian.analytics.services import record_activity
from yilian.core.tests.html import parse
from yilian.orgs.models import CooperationPlan, Hospital, Specialty
from yilian.orgs.tests.factories import DepartmentFactory, HospitalFactory

URL = reverse("analytics:resources")
pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _this_year(month: int = 1) -> datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.combine(date(today.year, month, 2), time(9)))


@pytest.fixture
def joined(lead_hospital, manager) -> Hospital:
    """A hospital that joined through the platform: 420 beds, an approved assessment."""
    application, _token = accession.apply_to_join(hospital_data(), CONTACT, licence())
    accession.review_application(application, actor=manager, decision="accept")
    assessment = accession.submit_assessment(
        Assessment.objects.get(hospital=application.hospital), full_answers()
    )
    accession.approve_plan(
        assessment,
        actor=manager,
        terms=accession.PlanTerms(
            tier=CooperationPlan.Tier.STANDARD,
            enabled_kinds=["referral"],
            quotas={},
            scope="双向转诊",
            contact_name="钱院办",
            contact_phone="13911112222",
            year=timezone.localdate().year,
        ),
    )
    return Hospital.objects.get(pk=application.hospital_id)


def test_each_hospital_shows_its_resources_and_this_years_volume(
    make_user, manager, hospital_a, joined, department_a
):
    make_user(
        Role.STAFF, hospital=hospital_a, title=User.Title.CHIEF_PHYSICIAN, department=department_a
    )
    make_user(Role.STAFF, hospital=hospital_a, title=User.Title.NURSE, department=department_a)
    DepartmentFactory(hospital=hospital_a, name="呼吸内科", specialty=Specialty.RESPIRATORY)
    for action in ("submit", "approve", "complete"):
        record_activity(
            action=action, user=None, hospital=hospital_a, kind="referral", at=_this_year()
        )
    record_activity(action="login", user=None, hospital=hospital_a, at=_this_year())
    last_year = _this_year().replace(year=_this_year().year - 1)
    record_activity(
        action="complete", user=None, hospital=hospital_a, kind="referral", at=last_year
    )

    rows = {h.pk: h for h in resource_profiles(manager)}

    a = rows[hospital_a.pk]
    staff_a_count = User.objects.active().filter(hospital=hospital_a).count()
    assert (a.beds, a.department_count, a.staff_count, a.senior_count) == (
        None,
        2,
        staff_a_count,
        1,
    )
    assert (a.volume, a.cases) == (3, 1)  # logins are not business; last year is not this year
    assert rows[joined.pk].beds == 420


def test_the_list_takes_the_same_queries_for_one_hospital_or_many(login, manager, lead_hospital):
    client = login(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(12):
        hospital = HospitalFactory(alliance=lead_hospital.alliance)
        record_activity(action="submit", user=None, hospital=hospital, kind="referral")
        DepartmentFactory(hospital=hospital)

    assert queries() == few


def test_filters_and_order(login, manager, lead_hospital, hospital_a, joined):
    response = login(manager).get(URL, {"tier": "county", "order": "beds", "q": ""})

    ids = [row.get("data-hospital") for row in parse(response).find_all("tr", data_hospital=True)]
    assert ids[0] == str(joined.public_id)  # the most beds first; hospitals without come last
    assert str(lead_hospital.public_id) not in ids  # provincial


def test_a_hospital_admin_sees_only_their_hospital(login, hospital_admin_a, hospital_a, hospital_b):
    response = login(hospital_admin_a).get(URL)

    ids = [row.get("data-hospital") for row in parse(response).find_all("tr", data_hospital=True)]
    assert ids == [str(hospital_a.public_id)]
    other = reverse("analytics:resource_detail", args=[hospital_b.public_id])
    assert login(hospital_admin_a).get(other).status_code == 404


def test_the_profile_shows_what_the_assessment_recorded(login, manager, joined):
    profile = resource_profile(manager, joined)

    assert profile.beds == 420
    sections = dict(profile.assessment)
    assert any(a["text"] == "Imaging equipment" for a in sections["technical level"])
    page = login(manager).get(reverse("analytics:resource_detail", args=[joined.public_id]))
    assert "Imaging equipment" in parse(page).text


@pytest.mark.parametrize("viewer", ["staff_a", "expert"])
def test_members_without_a_management_role_get_403(request, login, viewer):
    assert login(request.getfixturevalue(viewer)).get(URL).status_code == 403


def test_export_lists_the_filtered_hospitals(login, manager, lead_hospital, joined):
    response = login(manager).get(
        reverse("analytics:resources_export", args=["csv"]), {"q": "建德"}
    )

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Hospital,Province,Tier")
    assert len(lines) == 2 and lines[1].startswith("建德市第一人民医院") and ",420," in lines[1]


def test_a_hospital_admin_without_a_hospital_sees_nothing(login, make_user, hospital_a):
    admin = make_user(Role.HOSPITAL_ADMIN, hospital=None)

    for url in (
        URL,
        reverse("analytics:dashboard"),
        reverse("analytics:resources_export", args=["csv"]),
    ):
        assert login(admin).get(url).status_code == 403


@freeze_time("2026-11-26 10:00:00+08:00")
def test_this_year_and_last_are_counted_to_the_day(manager, hospital_a, hospital_b):
    """This year and last, read from the monthly rollups: events minutes either side of a
    new year count in their own year."""
    moments = {
        (2024, 12, 31, 23, 55): ("referral", "complete"),  # the year before last
        (2025, 1, 1, 0, 5): ("referral", "complete"),
        (2025, 12, 31, 23, 55): ("consultation", "complete"),
        (2026, 1, 1, 0, 5): ("consultation", "complete"),
        (2026, 6, 15, 9, 0): ("consultation", "submit"),
        (2026, 11, 26, 9, 0): ("referral", "complete"),  # today
        (2026, 11, 3, 9, 0): ("referral", "approve"),
    }
    for (year, month, day, hour, minute), (kind, action) in moments.items():
        at = datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
        record_activity(action=action, user=None, hospital=hospital_a, kind=kind, at=at)
    record_activity(action="complete", user=None, hospital=hospital_b, kind="referral")

    profile = resource_profile(manager, hospital_a)
    rows = {h.pk: h for h in resource_profiles(manager)}

    assert profile.volumes == [("Remote consultation", 1, 1), ("Two-way referral", 1, 1)]
    assert (rows[hospital_a.pk].volume, rows[hospital_a.pk].cases) == (4, 2)
    assert (rows[hospital_b.pk].volume, rows[hospital_b.pk].cases) == (1, 1)
