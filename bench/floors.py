"""The raw-SQL floor of each inbox and list scenario.

In the runner's process (Django configured on the benchmark database), the page of the
scenario is requested once through Django's test client as the same user, and every
``SELECT`` it sends is captured (``CaptureQueriesContext``: the statements as PostgreSQL
received them, session and user lookups included). The floor is then the time psycopg
takes to run exactly those statements, one after another, on one connection — what the
page would cost if everything but the database were free."""

from __future__ import annotations

import time
from typing import Any

import psycopg

from bench import scenarios as sc
from bench.stats import LIST_SCENARIOS, summarize

MAX_ITERATIONS = 300


def _client_for(call: sc.Call, users: dict[str, Any], token: str) -> Any:
    from django.test import Client

    from yilian.security.selectors import SESSION_FLAG

    if call.token:
        return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    client = Client(HTTP_HOST="127.0.0.1")
    if call.role:
        client.force_login(users[call.role])
        # The server's sessions have given their second factor; this one skips the step.
        session = client.session
        session[SESSION_FLAG] = False
        session.save()
    return client


def capture(name: str, fixtures: dict[str, Any], users: dict[str, Any]) -> list[list[str]]:
    """The SELECT statements of each variant of scenario ``name`` (one variant per distinct
    request the scenario cycles through)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    variants = len(sc.list_filters(fixtures)) if name == "request_list_filtered" else 1
    captured = []
    for i in range(variants):
        call = sc.call(name, i, fixtures)
        client = _client_for(call, users, fixtures["api_token"])
        headers = {"HTTP_USER_AGENT": sc.PHONE_UA} if call.phone else {}
        connection.queries_log.clear()  # a full log (9,000 entries) would capture nothing
        with CaptureQueriesContext(connection) as queries:
            response = client.get(call.path, **headers)
        if response.status_code not in call.expect:
            raise RuntimeError(f"{name}: {call.path} answered {response.status_code}")
        statements = [q["sql"] for q in queries.captured_queries]
        captured.append([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    return captured


def measure(database_url: str, variants: list[list[str]], seconds: float) -> dict[str, Any]:
    """Run the variants in turn (all statements of one per iteration) for ``seconds`` or
    ``MAX_ITERATIONS``, after three unmeasured rounds."""
    from django.db import connection

    latencies = []
    # With the session settings the application's connections have (JIT off).
    options = connection.settings_dict["OPTIONS"].get("options", "")
    with (
        psycopg.connect(database_url, autocommit=True, options=options) as conn,
        conn.cursor() as cur,
    ):

        def run(statements: list[str]) -> None:
            for sql in statements:
                cur.execute(sql.encode())
                if cur.description is not None:
                    cur.fetchall()

        for statements in variants * 3:
            run(statements)
        end = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < end and i < MAX_ITERATIONS:
            start = time.perf_counter()
            run(variants[i % len(variants)])
            latencies.append(time.perf_counter() - start)
            i += 1
    result = summarize(latencies)
    result["statements"] = [len(v) for v in variants]
    return result


def raw_sql_floors(
    database_url: str, fixtures: dict[str, Any], users: dict[str, Any], seconds: float
) -> tuple[dict[str, Any], dict[str, list[list[str]]]]:
    floors, statements = {}, {}
    for name in LIST_SCENARIOS:
        statements[name] = capture(name, fixtures, users)
        floors[name] = measure(database_url, statements[name], seconds)
    return floors, statements
