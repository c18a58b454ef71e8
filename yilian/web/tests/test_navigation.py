"""web.navigation: which modules and pages each role gets in the menus."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from yilian.accounts.roles import Role
from yilian.core.tests.html import parse
from yilian.web.navigation import MODULES, business_modules, modules_for

BUSINESS = ["medical", "teaching", "linkage", "quality"]
TEACHING = [
    "teaching:courses",
    "teaching:cme_classes",
    "teaching:cme_mine",
    "teaching:cme_credits",
    "live:events",
    "healthedu:library",
]
TEACHING_MANAGED = [
    "teaching:courses",
    "teaching:course_new",
    "teaching:cme_classes",
    "teaching:cme_mine",
    "teaching:cme_credits",
    "teaching:cme_new",
    "live:events",
    "live:event_new",
    "healthedu:library",
]
QUALITY_STAFF = [
    "reporting:mine",
    "sentinel:home",
    "registries:cases",
    "registries:coverage",
    "standards:list",
]
QUALITY_HOSPITAL_ADMIN = [
    "reporting:mine",
    "sentinel:home",
    "registries:cases",
    "registries:indicators",
    "registries:coverage",
    "standards:list",
]
QUALITY_MANAGER = [
    "reporting:queue",
    "reporting:rates",
    "sentinel:home",
    "sentinel:alerts",
    "registries:indicators",
    "registries:coverage",
    "standards:list",
    "standards:new",
]
QUALITY_PLATFORM_ADMIN = [
    "reporting:rates",
    "reporting:datasets",
    "sentinel:home",
    "sentinel:alerts",
    "registries:indicators",
    "registries:coverage",
    "registries:designer",
    "standards:list",
    "standards:new",
]


def _menu(user) -> dict[str, list[str]]:
    """module key → url names of its pages (empty for business modules)."""
    return {e.module.key: [p.url_name for p in e.pages] for e in modules_for(user)}


def test_staff_gets_the_four_business_modules_and_no_management_pages(staff_a):
    assert _menu(staff_a) == {
        **{key: [] for key in BUSINESS},
        "teaching": TEACHING,
        "medical": ["patients:list", "realtime:rooms", "casebank:list", "followups:due"],
        "quality": QUALITY_STAFF,
    }


def test_expert_gets_business_modules_except_quality_supervision(expert):
    assert _menu(expert) == {
        "medical": ["realtime:rooms", "clinics:queue", "casebank:list"],
        "teaching": TEACHING,
        "linkage": [],
    }


def test_hospital_admin_gets_registrations_member_hospitals_and_the_overview(hospital_admin_a):
    assert _menu(hospital_admin_a) == {
        **{key: [] for key in BUSINESS},
        "teaching": TEACHING,
        "medical": ["patients:list", "realtime:rooms", "followups:due", "followups:templates"],
        "quality": QUALITY_HOSPITAL_ADMIN,
        "platform": [
            "accounts:registrations",
            "web:hospitals",
            "accounts:people",
            "accession:assessments",
            "accession:my_plan",
            "supervision:tickets",
        ],
        "analytics": ["analytics:dashboard", "analytics:resources"],
    }


def test_platform_admin_gets_every_module_and_page(platform_admin):
    assert _menu(platform_admin) == {
        **{key: [] for key in BUSINESS},
        "teaching": TEACHING_MANAGED,
        "linkage": ["linkage:quotas", "linkage:special_types"],
        "quality": QUALITY_PLATFORM_ADMIN,
        "platform": [
            "accounts:registrations",
            "web:hospitals",
            "accounts:people",
            "accession:applications",
            "accession:assessments",
            "accession:questions",
            "supervision:board",
            "supervision:tickets",
            "supervision:room_admins",
            "accounts:role_changes",
            "web:dependencies",
        ],
        "analytics": ["analytics:dashboard", "analytics:resources"],
    }


def test_manager_gets_every_module_but_not_registrations(manager):
    assert _menu(manager) == {
        **{key: [] for key in BUSINESS},
        "teaching": TEACHING_MANAGED,
        "medical": ["casebank:list", "followups:templates"],
        "linkage": ["linkage:quotas"],
        "quality": QUALITY_MANAGER,
        "platform": [
            "web:hospitals",
            "accession:applications",
            "accession:assessments",
            "supervision:board",
            "supervision:tickets",
        ],
        "analytics": ["analytics:dashboard", "analytics:resources"],
    }


@pytest.mark.parametrize(
    ("role", "menu"),
    [
        (
            Role.SECURITY_ADMIN,
            {
                "teaching": TEACHING,
                "platform": ["web:hospitals", "supervision:tickets", "security:lockouts"],
                "security": ["audit:entries", "audit:archives", "accounts:role_changes"],
            },
        ),
        (
            Role.ROOM_ADMIN,
            {
                "teaching": TEACHING,
                "platform": ["web:hospitals", "supervision:tickets", "realtime:rooms"],
            },
        ),
        (
            Role.AUDITOR,
            {
                "teaching": TEACHING,
                "security": ["audit:entries", "audit:archives", "accounts:role_changes"],
            },
        ),
    ],
)
def test_support_roles_get_their_pages_where_defined(make_user, role, menu):
    assert _menu(make_user(role)) == menu


def test_patient_gets_no_module(patient):
    # Every module is for members of the alliance (ALL_MEMBERS excludes patients).
    assert _menu(patient) == {}


def test_pending_user_gets_no_module(pending_staff_a):
    assert pending_staff_a.roles == {Role.STAFF}
    assert _menu(pending_staff_a) == {}


def test_anonymous_visitor_gets_no_module():
    assert modules_for(AnonymousUser()) == []


def test_a_user_with_two_roles_gets_the_union_once(make_user, hospital_a):
    user = make_user(Role.STAFF, Role.EXPERT, hospital=hospital_a)

    assert _menu(user) == {
        **{key: [] for key in BUSINESS},
        "teaching": TEACHING,
        "medical": [
            "patients:list",
            "realtime:rooms",
            "clinics:queue",
            "casebank:list",
            "followups:due",
        ],
        "quality": QUALITY_STAFF,
    }


def test_modules_hold_four_business_modules_with_18_businesses():
    assert [m.key for m in business_modules()] == BUSINESS
    codes = [b.code for m in business_modules() for b in m.businesses]
    assert len(codes) == len(set(codes)) == 18
    assert [m.key for m in MODULES] == [*BUSINESS, "platform", "analytics", "security"]


def test_module_urls_point_at_the_catalogue_section_or_first_page():
    urls = {m.key: m.url for m in MODULES}

    assert urls["medical"] == f"{reverse('web:services')}#medical"
    assert urls["platform"] == reverse("accounts:registrations")
    assert urls["analytics"] == reverse("analytics:dashboard")
    assert urls["security"] == reverse("audit:entries")


def test_sidebar_renders_the_hospital_admins_pages(login, hospital_admin_a):
    response = login(hospital_admin_a).get(reverse("web:home"))

    sidebar = parse(response).one("nav", class_="yl-sidebar")
    links = [a.get("href") for a in sidebar.find_all("a")]
    assert reverse("accounts:registrations") in links
    assert reverse("web:hospitals") in links
    assert reverse("analytics:dashboard") in links


def test_sidebar_of_staff_has_no_management_links(login, staff_a):
    response = login(staff_a).get(reverse("web:home"))

    sidebar = parse(response).one("nav", class_="yl-sidebar")
    links = [a.get("href") for a in sidebar.find_all("a")]
    assert reverse("accounts:registrations") not in links
    assert reverse("analytics:dashboard") not in links
    assert f"{reverse('web:services')}#quality" in links


@pytest.mark.parametrize("who", ["staff_a", "expert", "manager", "hospital_admin_a"])
def test_business_roles_get_the_workbench_in_the_sidebar_and_the_tab_bar(login, request, who):
    response = login(request.getfixturevalue(who)).get(reverse("web:home"))

    page = parse(response)
    for nav in (page.one("nav", class_="yl-sidebar"), page.one("nav", class_="yl-tabbar")):
        assert nav.one("a", data_nav="workbench").get("href") == reverse("workflow:workbench")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SECURITY_ADMIN, Role.ROOM_ADMIN])
def test_support_roles_get_no_workbench(login, make_user, role):
    response = login(make_user(role)).get(reverse("web:home"))

    assert parse(response).find("a", data_nav="workbench") is None
