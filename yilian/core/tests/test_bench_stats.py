"""The benchmark's percentiles, targets and tables (bench/stats.py): plain functions."""

import math

import pytest

from bench import stats


def test_percentile_interpolates_between_closest_ranks():
    values = [4.0, 1.0, 3.0, 2.0, 5.0]  # unsorted on purpose
    assert stats.percentile(values, 50) == 3.0
    assert stats.percentile(values, 0) == 1.0
    assert stats.percentile(values, 100) == 5.0
    assert stats.percentile(values, 95) == pytest.approx(4.8)
    assert stats.percentile([10.0, 20.0], 25) == pytest.approx(12.5)


def test_percentile_of_one_value_and_of_none():
    assert stats.percentile([7.0], 99) == 7.0
    assert math.isnan(stats.percentile([], 50))


def test_summarize_reports_milliseconds_rate_and_error_share():
    summary = stats.summarize([0.010] * 98 + [0.100, 0.200], errors=2, elapsed_s=4.0)
    assert summary["count"] == 100
    assert summary["p50_ms"] == 10.0
    assert summary["p99_ms"] == pytest.approx(101.0)
    assert summary["max_ms"] == 200.0
    assert summary["rps"] == 25.5  # 102 answers in 4 s, errors included
    assert summary["error_rate"] == pytest.approx(2 / 102, abs=1e-5)


def test_summarize_without_answers_has_no_percentiles():
    summary = stats.summarize([], errors=3, elapsed_s=1.0)
    assert summary["p95_ms"] is None
    assert summary["error_rate"] == 1.0


FLOORS = {"bare_asgi": {"p95_ms": 2.0}, "raw_sql": {"expert_inbox": {"p95_ms": 8.0}}}


def test_list_scenario_is_compared_with_the_sum_of_its_floors():
    fast = stats.evaluate({"name": "expert_inbox", "p95_ms": 25.0, "errors": 0}, FLOORS)
    assert fast["floor_ms"] == 10.0
    assert fast["floor_ratio"] == 2.5
    assert fast["met"] is True
    # Under 100 ms but more than three times the floor: not met.
    slow = stats.evaluate({"name": "expert_inbox", "p95_ms": 45.0, "errors": 0}, FLOORS)
    assert slow["floor_ratio"] == 4.5
    assert slow["met"] is False


def test_list_scenario_without_a_measured_floor_is_not_met():
    result = stats.evaluate({"name": "api_list", "p95_ms": 5.0, "errors": 0}, FLOORS)
    assert result["floor_ms"] is None
    assert result["met"] is False


def test_mixed_needs_throughput_and_few_errors():
    ok = {"name": "mixed", "p95_ms": 90.0, "rps": 250.0, "error_rate": 0.0}
    assert stats.evaluate(ok, {})["met"] is True
    assert stats.evaluate({**ok, "rps": 150.0}, {})["met"] is False
    assert stats.evaluate({**ok, "error_rate": 0.002}, {})["met"] is False


def test_chat_needs_every_message_delivered():
    ok = {"name": "chat_fanout_500", "p95_ms": 80.0, "lost": 0, "count": 1000}
    assert stats.evaluate(ok, {})["met"] is True
    assert stats.evaluate({**ok, "lost": 1}, {})["met"] is False
    assert stats.evaluate({**ok, "p95_ms": 300.0}, {})["met"] is False


def test_scenarios_without_a_target_say_so():
    assert stats.evaluate({"name": "login", "p95_ms": 80.0}, {})["met"] is None


def test_tables_list_scenarios_then_floors():
    report = {
        "scenarios": [
            {
                "name": "expert_inbox",
                "p50_ms": 9.0,
                "p95_ms": 25.0,
                "p99_ms": 30.0,
                "rps": 50.0,
                "errors": 0,
                **stats.evaluate({"name": "expert_inbox", "p95_ms": 25.0}, FLOORS),
            },
        ],
        "floors": FLOORS,
        "dataset": {"scale": 0.01, "requests": 10000},
    }
    text = stats.render_text(report).splitlines()
    assert text[0].split()[:2] == ["scenario", "p50"]
    assert text[2].startswith("expert_inbox")
    assert "met" in text[2].split()
    assert text[3].startswith("floor: bare_asgi")
    markdown = stats.render_markdown(report)
    assert "| expert_inbox | 9.0 | 25.0 | 30.0 | 50.0 | 0 | 10.0 | 2.5 |" in markdown
    assert "requests 10,000" in markdown
