"""The load scenarios: who asks for what, how often. Plain data for the load process
(bench/load.py) and for the raw-SQL floors (bench/floors.py), which capture the SQL of the
same pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
# Inboxes, lists and pages arrive at this rate (open loop); the floor of a bare ASGI
# answer is measured at the same rate.
READ_RATE = 50.0
LOGIN_RATE = 5.0  # each sign-in hashes a password (Argon2): a realistic morning peak
DISPATCH_RATE = 10.0
MIXED_CONCURRENCY = 32
CHAT_CLIENTS = 500
CHAT_RATE = 5.0  # messages per second from the one sender


@dataclass(frozen=True)
class Call:
    """One HTTP request of a scenario."""

    path: str
    role: str = ""  # whose signed-in session sends it ("" — none)
    method: str = "GET"
    token: bool = False  # the API token of the staff member instead of a session
    phone: bool = False
    data: dict[str, str] | None = None
    expect: tuple[int, ...] = (200,)


@dataclass(frozen=True)
class Scenario:
    name: str
    mode: str  # "open" (fixed arrival rate), "max" (closed loop), "login", "chat"
    rate: float = READ_RATE
    concurrency: int = 0
    weights: dict[str, int] = field(default_factory=dict)  # "max": scenario → weight
    description: str = ""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("bare_asgi", "open", description="GET /livez, answered before Django (floor)"),
    Scenario("manager_review_inbox", "open", description="manager: workbench, to review"),
    Scenario("expert_inbox", "open", description="expert: workbench, to confirm"),
    Scenario("staff_my_applications_phone", "open", description="staff on a phone: my requests"),
    Scenario("request_detail", "open", description="staff: one request's page"),
    Scenario("request_list_filtered", "open", description="manager: request list, filtered"),
    Scenario("dashboard", "open", rate=10.0, description="manager: application effect"),
    Scenario("api_list", "open", description="API token: GET /api/v1/businesses/"),
    Scenario("fhir_servicerequest_search", "open", description="API token: FHIR search"),
    Scenario("login", "login", rate=LOGIN_RATE, description="staff: the sign-in form"),
    Scenario(
        "dispatch_transition",
        "open",
        rate=DISPATCH_RATE,
        description="manager: dispatch distinct approved requests",
    ),
    Scenario(
        "mixed",
        "max",
        concurrency=MIXED_CONCURRENCY,
        weights={
            "manager_review_inbox": 2,
            "expert_inbox": 2,
            "staff_my_applications_phone": 3,
            "request_detail": 4,
            "request_list_filtered": 2,
            "dashboard": 1,
            "api_list": 2,
            "fhir_servicerequest_search": 1,
        },
        description="the reads above, weighted, as fast as they are answered",
    ),
    Scenario(
        "chat_fanout_500",
        "chat",
        rate=CHAT_RATE,
        concurrency=CHAT_CLIENTS,
        description="500 websockets in one room, one sender",
    ),
)
BY_NAME = {s.name: s for s in SCENARIOS}
FLOORS = ("bare_asgi",)


def list_filters(fixtures: dict[str, Any]) -> list[dict[str, str]]:
    """The filter sets ``request_list_filtered`` cycles through (the search term always)."""
    term = fixtures["search_term"]
    return [
        {"query": term},
        {"query": term, "status": "submitted"},
        {"query": term, "urgency": "urgent"},
    ]


def call(name: str, i: int, fixtures: dict[str, Any]) -> Call:
    """The ``i``-th request of read scenario ``name``."""
    if name == "bare_asgi":
        return Call("/livez")
    if name == "manager_review_inbox":
        return Call("/workbench/?queue=to_review", role="manager")
    if name == "expert_inbox":
        return Call("/workbench/?queue=to_confirm", role="expert")
    if name == "staff_my_applications_phone":
        return Call("/workbench/?queue=mine", role="staff", phone=True)
    if name == "request_detail":
        ids = fixtures["request_public_ids"]
        return Call(f"/requests/{ids[i % len(ids)]}/", role="staff")
    if name == "request_list_filtered":
        variants = list_filters(fixtures)
        return Call(f"/requests/?{urlencode(variants[i % len(variants)])}", role="manager")
    if name == "dashboard":
        return Call("/analytics/", role="manager")
    if name == "api_list":
        return Call("/api/v1/businesses/?limit=20", token=True)
    if name == "fhir_servicerequest_search":
        return Call("/fhir/r4/ServiceRequest?_count=20", token=True)
    raise KeyError(name)


def dispatch_call(target: dict[str, Any], team: str) -> Call:
    """POST the dispatch step of one approved request (the request page's form)."""
    return Call(
        f"/requests/{target['public_id']}/act/dispatch/",
        role="manager",
        method="POST",
        data={
            "dispatch-expected_version": str(target["version"]),
            "dispatch-team": team,
            "dispatch-note": "",
        },
        expect=(302,),
    )
