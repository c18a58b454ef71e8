"""The cast of data reporting: a monthly dataset of the county hospitals (hospitals A and
B; the lead hospital is provincial and does not report it) with a computed indicator and
a cross-field rule, designed by the platform admin, with this year's periods."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from yilian.orgs.models import Hospital

from ..models import Dataset, Period
from ..services import DatasetData, generate_periods, save_dataset

INDICATORS: list[dict[str, Any]] = [
    {"code": "visits", "label": "门诊人次", "type": "number", "unit": "人次", "required": True,
     "min_value": "0"},
    {"code": "discharges", "label": "出院人数", "type": "number", "unit": "人", "required": True,
     "min_value": "0"},
    {"code": "bed_days", "label": "实际占用床日", "type": "number", "unit": "床日",
     "required": True, "min_value": "0"},
    {"code": "avg_stay", "label": "平均住院日", "type": "computed", "unit": "天",
     "expression": "bed_days / discharges", "decimals": 1},
    {"code": "infections", "label": "院内感染例数", "type": "number", "required": False,
     "min_value": "0"},
    {"code": "satisfaction", "label": "患者满意度", "type": "percentage", "required": False},
    {"code": "level", "label": "质控等级", "type": "choice", "choices": "甲\n乙\n丙",
     "required": False},
    {"code": "checked_on", "label": "自查日期", "type": "date", "required": False},
    {"code": "remarks", "label": "备注", "type": "text", "required": False},
]  # fmt: skip
RULES = [
    {"condition": "infections <= discharges", "message": "院内感染例数不能超过出院人数"},
]
GOOD = {
    "visits": "1200",
    "discharges": "80",
    "bed_days": "640",
    "infections": "2",
    "satisfaction": "96.5",
    "level": "甲",
    "checked_on": "2026-01-05",
    "remarks": "",
}


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def make_dataset(actor, **changes: Any) -> Dataset:
    data = DatasetData(
        code=changes.pop("code", "hospital_monthly"),
        name=changes.pop("name", "医疗质量月报"),
        tiers=changes.pop("tiers", [Hospital.Tier.COUNTY]),
        **changes,
    )
    return save_dataset(actor=actor, data=data, indicators=INDICATORS, rules=RULES)


@pytest.fixture
def dataset(platform_admin, hospital_a, hospital_b) -> Dataset:
    made = make_dataset(platform_admin)
    generate_periods(made, timezone.localdate().year, actor=platform_admin)
    return made


@pytest.fixture
def period(dataset) -> Period:
    """The period of this month (open: reports may be made)."""
    return dataset.periods.get(start=timezone.localdate().replace(day=1))
