"""The single-disease part of the demo seeder: three registries defined by the demo
platform administrator, cases of demo patients at several hospitals, discharge counts;
a second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo

from ..demo import CASES_PER_REGISTRY, DEMO_REGISTRIES, HOSPITALS_WITH_CASES
from ..models import Case, CaseStatus, DischargeCount, Registry
from ..selectors import FigureFilters, coverage_rows, indicator_rates

pytestmark = pytest.mark.django_db


def test_demo_seeds_registries_and_cases_at_several_hospitals_once():
    first = demo.run_seed("small")

    assert first.created["registries"] > 0
    registries = list(Registry.objects.order_by("code"))
    assert sorted(r.code for r in registries) == sorted(d.code for d in DEMO_REGISTRIES)
    assert {r.created_by.phone for r in registries} == {"13800000001"}
    cases = Case.objects.all()
    assert cases.values("hospital").distinct().count() == HOSPITALS_WITH_CASES
    assert cases.count() == HOSPITALS_WITH_CASES * CASES_PER_REGISTRY * len(DEMO_REGISTRIES)
    assert cases.filter(status=CaseStatus.DRAFT).count() == HOSPITALS_WITH_CASES * len(
        DEMO_REGISTRIES
    )
    # Every case is of a patient of the reporting hospital, with a registry diagnosis.
    for case in cases.select_related("patient", "registry"):
        assert case.patient.hospital_id == case.hospital_id
        assert case.diagnosis_code[:3] == case.registry.icd_patterns[0][:3]
    assert DischargeCount.objects.exists()

    # The figures come out of the seeded data: every indicator has a denominator.
    stemi = Registry.objects.get(code="stemi")
    dates = cases.filter(status=CaseStatus.SUBMITTED).order_by("discharge_date")
    period = FigureFilters(start=dates.first().discharge_date, end=dates.last().discharge_date)
    board = indicator_rates(stemi, period)
    assert board.cases == HOSPITALS_WITH_CASES * (CASES_PER_REGISTRY - 1)
    assert all(board.alliance[i.code].denominator > 0 for i in board.indicators)
    rows = coverage_rows(Registry.objects.all(), period)
    assert rows and all(r.coverage is not None and r.coverage <= 100 for r in rows)

    second = demo.run_seed("small")
    assert second.created["registries"] == 0
    assert Case.objects.count() == cases.count()
