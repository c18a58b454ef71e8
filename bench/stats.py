"""Percentiles, the targets and the report table — plain Python, no Django, no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

# What ``make bench`` reports against (reported, never asserted).
TARGETS: dict[str, Any] = {
    "list_p95_ms": 100.0,  # inboxes and lists, at their fixed arrival rate
    "list_floor_ratio": 3.0,  # … and within 3× of (raw-SQL floor + bare-ASGI floor), at p95
    "dashboard_p95_ms": 300.0,
    "mixed_rps": 200.0,
    "mixed_error_rate": 0.001,
    "chat_p95_ms": 250.0,
    "chat_lost": 0,
}
# The inbox and list scenarios: each has a raw-SQL floor and the list targets.
LIST_SCENARIOS = (
    "manager_review_inbox",
    "expert_inbox",
    "staff_my_applications_phone",
    "request_list_filtered",
    "api_list",
    "fhir_servicerequest_search",
)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values`` by linear interpolation between the
    closest ranks (NumPy's default); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def _ms(seconds: float) -> float | None:
    return None if math.isnan(seconds) else round(seconds * 1000.0, 2)


def summarize(
    latencies_s: Iterable[float], *, errors: int = 0, elapsed_s: float = 0.0
) -> dict[str, Any]:
    """p50/p95/p99/max in milliseconds of the answered requests; ``rps``: answers (errors
    included) per second of ``elapsed_s``; ``error_rate`` of all attempts."""
    values = list(latencies_s)
    attempts = len(values) + errors
    return {
        "count": len(values),
        "p50_ms": _ms(percentile(values, 50)),
        "p95_ms": _ms(percentile(values, 95)),
        "p99_ms": _ms(percentile(values, 99)),
        "max_ms": _ms(max(values)) if values else None,
        "rps": round(attempts / elapsed_s, 1) if elapsed_s > 0 else None,
        "errors": errors,
        "error_rate": round(errors / attempts, 5) if attempts else None,
    }


def evaluate(result: dict[str, Any], floors: dict[str, Any]) -> dict[str, Any]:
    """The scenario's floor (ms), its p95-to-floor ratio and whether it meets its target
    (``met``: True/False, or None when no target applies), with the target in words."""
    name = result["name"]
    p95 = result.get("p95_ms")
    out: dict[str, Any] = {"floor_ms": None, "floor_ratio": None, "met": None, "target": ""}
    if name in LIST_SCENARIOS:
        bare = (floors.get("bare_asgi") or {}).get("p95_ms")
        sql = ((floors.get("raw_sql") or {}).get(name) or {}).get("p95_ms")
        if bare is not None and sql is not None:
            out["floor_ms"] = round(bare + sql, 2)
            if p95 is not None and out["floor_ms"] > 0:
                out["floor_ratio"] = round(p95 / out["floor_ms"], 2)
        out["target"] = (
            f"p95 < {TARGETS['list_p95_ms']:.0f} ms, ≤ {TARGETS['list_floor_ratio']:.0f}× floor"
        )
        out["met"] = (
            p95 is not None
            and p95 < TARGETS["list_p95_ms"]
            and out["floor_ratio"] is not None
            and out["floor_ratio"] <= TARGETS["list_floor_ratio"]
            and not result.get("errors")
        )
    elif name == "dashboard":
        out["target"] = f"p95 < {TARGETS['dashboard_p95_ms']:.0f} ms"
        out["met"] = p95 is not None and p95 < TARGETS["dashboard_p95_ms"]
    elif name == "mixed":
        out["target"] = (
            f"≥ {TARGETS['mixed_rps']:.0f} req/s, < {TARGETS['mixed_error_rate'] * 100:g}% errors"
        )
        rate = result.get("error_rate")
        out["met"] = (
            (result.get("rps") or 0) >= TARGETS["mixed_rps"]
            and rate is not None
            and rate < TARGETS["mixed_error_rate"]
        )
    elif name.startswith("chat_fanout"):
        out["target"] = f"p95 < {TARGETS['chat_p95_ms']:.0f} ms, 0 lost"
        out["met"] = (
            p95 is not None
            and p95 < TARGETS["chat_p95_ms"]
            and result.get("lost") == TARGETS["chat_lost"]
            and bool(result.get("count"))
        )
    return out


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "met" if value else "NOT met"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


COLUMNS = (
    ("scenario", "name"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"),
    ("req/s", "rps"),
    ("errors", "errors"),
    ("floor ms", "floor_ms"),
    ("p95/floor", "floor_ratio"),
    ("target", "target"),
    ("met", "met"),
)


def table_rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per scenario, then the floors (their own p50/p95/p99)."""
    rows = []
    for result in report["scenarios"]:
        cells = [_cell(result.get(key)) for _label, key in COLUMNS]
        if result.get("lost") is not None:
            cells[5] = f"{result.get('errors', 0)} (+{result['lost']} lost)"
        rows.append(cells)
    floors = report.get("floors") or {}
    bare = floors.get("bare_asgi")
    if bare:
        rows.append(_floor_row("floor: bare_asgi", bare))
    for name, floor in (floors.get("raw_sql") or {}).items():
        rows.append(_floor_row(f"floor: raw_sql {name}", floor))
    return rows


def _floor_row(label: str, floor: dict[str, Any]) -> list[str]:
    keys = ("p50_ms", "p95_ms", "p99_ms", "rps", "errors")
    return [label, *(_cell(floor.get(k)) for k in keys), "", "", "", ""]


def render_text(report: dict[str, Any]) -> str:
    header = [label for label, _key in COLUMNS]
    rows = table_rows(report)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines)


def render_markdown(report: dict[str, Any]) -> str:
    dataset = report.get("dataset") or {}
    machine = report.get("machine") or {}
    settings = report.get("settings") or {}
    counts = ", ".join(
        f"{key} {dataset[key]:,}"
        for key in ("hospitals", "users", "requests", "request_events", "activity_events")
        if isinstance(dataset.get(key), int)
    )
    lines = [
        f"Run {report.get('date', '')} · scale {dataset.get('scale', '?')} ({counts}) · "
        f"{settings.get('duration_s', '?')} s per scenario · {settings.get('workers', '?')} "
        f"uvicorn workers",
        "",
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('ram_gb', '?')} GB RAM; {machine.get('postgresql', '?')}; "
        f"Redis {machine.get('redis', '?')}.",
        "",
        "| " + " | ".join(label for label, _key in COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in table_rows(report)]
    return "\n".join(lines) + "\n"
