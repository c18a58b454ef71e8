"""Designing datasets: indicators, computed values and rules are checked before saving;
periods with deadlines; which hospitals report; only platform admins design."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import HospitalFactory

from ..models import Dataset, Indicator, Submission
from ..selectors import assigned_hospitals
from ..services import (
    DatasetData,
    DatasetInvalid,
    generate_periods,
    save_dataset,
    save_report,
)
from .conftest import GOOD, INDICATORS, RULES, make_dataset


def test_a_dataset_is_saved_with_its_indicators_computed_value_and_rule(dataset):
    codes = list(dataset.indicators.values_list("code", flat=True))
    assert codes == [i["code"] for i in INDICATORS]
    avg = dataset.indicators.get(code="avg_stay")
    assert avg.is_computed and avg.expression == "bed_days / discharges" and not avg.required
    satisfaction = dataset.indicators.get(code="satisfaction")
    assert (satisfaction.min_value, satisfaction.max_value) == (0, 100)  # a percentage
    assert dataset.indicators.get(code="level").choices == ["甲", "乙", "丙"]
    rule = dataset.rules.get()
    assert rule.field == "infections"  # the first code of the condition


def _invalid(actor, indicators=INDICATORS, rules=RULES, **data) -> DatasetInvalid:
    with pytest.raises(DatasetInvalid) as caught:
        save_dataset(
            actor=actor,
            data=DatasetData(code=data.pop("code", "q"), name="质量", tiers=["county"], **data),
            indicators=indicators,
            rules=rules,
        )
    return caught.value


def test_every_problem_of_a_definition_is_reported_at_its_row(platform_admin):
    indicators = [
        {"code": "a", "label": "A", "type": "number"},
        {"code": "a", "label": "A again", "type": "number"},
        {"code": "Bad Code", "label": "B", "type": "number"},
        {"code": "c", "label": "C", "type": "computed", "expression": "a + missing"},
        {"code": "d", "label": "D", "type": "choice", "choices": "only one"},
        {"code": "e", "label": "E", "type": "number", "min_value": "10", "max_value": "1"},
        {"code": "t", "label": "T", "type": "text"},
    ]
    rules = [
        {"condition": "a <= t", "message": "x"},  # a text indicator is no number
        {"condition": "a + 1", "message": "y"},  # not a comparison
        {"condition": "a < 5", "message": ""},
    ]

    error = _invalid(platform_admin, indicators, rules)

    rows = error.indicator_errors
    assert "code" in rows[1] and "code" in rows[2]
    assert "“missing”" in str(rows[3]["expression"])
    assert "choices" in rows[4] and "max_value" in rows[5]
    assert rows[0] == {} and rows[6] == {}
    assert [sorted(r) for r in error.rule_errors] == [["condition"], ["condition"], ["message"]]
    assert not Dataset.objects.exists()


def test_computed_indicators_that_depend_on_themselves_are_refused(platform_admin):
    indicators = [
        {"code": "a", "label": "A", "type": "computed", "expression": "b + 1"},
        {"code": "b", "label": "B", "type": "computed", "expression": "a * 2"},
    ]
    error = _invalid(platform_admin, indicators, [])
    assert all("expression" in row for row in error.indicator_errors)


def test_a_dataset_needs_an_assignment_and_a_unique_code(platform_admin, dataset):
    error = _invalid(platform_admin, code="hospital_monthly")
    assert "code" in error.error_dict
    with pytest.raises(DatasetInvalid) as caught:
        save_dataset(
            actor=platform_admin,
            data=DatasetData(code="other", name="其他"),
            indicators=INDICATORS,
            rules=[],
        )
    assert "tiers" in caught.value.error_dict


def test_only_platform_admins_design_datasets(manager, hospital_admin_a, staff_a):
    for user in (manager, hospital_admin_a, staff_a):
        with pytest.raises(PermissionDenied):
            make_dataset(user)
    assert not Dataset.objects.exists()


def test_an_indicator_holding_values_keeps_its_type_and_cannot_be_removed(
    platform_admin, dataset, period, staff_a
):
    save_report(actor=staff_a, period=period, raw=GOOD, expected_version=0, submit=False)
    changed = [dict(i) for i in INDICATORS if i["code"] != "remarks"]
    changed[0] = {**changed[0], "type": "text", "min_value": ""}
    with pytest.raises(DatasetInvalid) as caught:
        save_dataset(
            actor=platform_admin,
            data=DatasetData(code=dataset.code, name=dataset.name, tiers=["county"]),
            indicators=changed,
            rules=RULES,
            instance=dataset,
        )
    assert "type" in caught.value.indicator_errors[0]
    assert "indicators" not in caught.value.error_dict  # "remarks" was empty: no value
    assert Indicator.objects.filter(dataset=dataset, code="visits", type="number").exists()


def test_monthly_periods_get_their_deadlines_and_are_added_once(platform_admin):
    made = make_dataset(platform_admin, deadline_days=10)

    assert generate_periods(made, 2026, actor=platform_admin) == 12
    assert generate_periods(made, 2026, actor=platform_admin) == 0
    february = made.periods.get(label="2026-02")
    assert (february.start, february.end, february.deadline) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        date(2026, 3, 10),
    )


def test_quarterly_and_yearly_periods(platform_admin):
    quarterly = make_dataset(platform_admin, code="quarterly", frequency="quarterly")
    yearly = make_dataset(platform_admin, code="yearly", frequency="yearly", deadline_days=31)
    generate_periods(quarterly, 2026, actor=platform_admin)
    generate_periods(yearly, 2026, actor=platform_admin)

    assert list(quarterly.periods.values_list("label", "end")) == [
        ("2026Q1", date(2026, 3, 31)),
        ("2026Q2", date(2026, 6, 30)),
        ("2026Q3", date(2026, 9, 30)),
        ("2026Q4", date(2026, 12, 31)),
    ]
    assert list(yearly.periods.values_list("label", "deadline")) == [("2026", date(2027, 1, 31))]


def test_assignment_by_tier_category_and_list(platform_admin, lead_hospital, hospital_a):
    alliance = lead_hospital.alliance
    city_general = HospitalFactory(alliance=alliance, tier="city", category="general")
    city_mch = HospitalFactory(alliance=alliance, tier="city", category="maternal_child")
    HospitalFactory(alliance=alliance, tier="city", category="general", status="applying")

    by_both = make_dataset(platform_admin, code="x", tiers=["city"], categories=["general"])
    by_category = make_dataset(platform_admin, code="y", tiers=[], categories=["maternal_child"])
    by_list = make_dataset(platform_admin, code="z", tiers=[], hospitals=[lead_hospital])
    by_tier_and_list = make_dataset(
        platform_admin, code="w", tiers=["county"], hospitals=[city_mch]
    )

    def names(d):
        return set(assigned_hospitals(d))

    assert names(by_both) == {city_general}
    assert names(by_category) == {city_mch}
    assert names(by_list) == {lead_hospital}
    assert names(by_tier_and_list) == {hospital_a, city_mch}


# --- the designer page ------------------------------------------------------------------


def _management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _post(indicator_rows, rule_rows, **fields):
    data = {
        "code": "q_monthly",
        "name": "质控月报",
        "frequency": "monthly",
        "deadline_days": "10",
        "remind_days": "3",
        "escalate_days": "3",
        "tiers": ["county"],
        "is_active": "on",
        **_management("ind", len(indicator_rows)),
        **_management("rule", len(rule_rows)),
        **fields,
    }
    for n, row in enumerate(indicator_rows):
        data.update({f"ind-{n}-{k}": v for k, v in row.items()})
        data.setdefault(f"ind-{n}-decimals", "2")
    for n, row in enumerate(rule_rows):
        data.update({f"rule-{n}-{k}": v for k, v in row.items()})
    return data


ROWS = [
    {"code": "numerator", "label": "分子", "type": "number", "required": "on"},
    {"code": "denominator", "label": "分母", "type": "number", "required": "on"},
    {"code": "rate", "label": "比率", "type": "computed",
     "expression": "numerator * 100 / denominator"},
]  # fmt: skip


def test_the_designer_saves_a_dataset_then_adds_a_years_periods(login, platform_admin, hospital_a):
    client = login(platform_admin)
    response = client.post(
        reverse("reporting:dataset_new"),
        _post(ROWS, [{"condition": "numerator <= denominator", "message": "分子不能大于分母"}]),
    )

    assert response.status_code == 302
    made = Dataset.objects.get(code="q_monthly")
    assert made.rules.get().message == "分子不能大于分母"
    assert made.indicators.get(code="rate").is_computed
    year = timezone.localdate().year
    client.post(reverse("reporting:dataset_periods", args=[made.public_id]), {"year": year})
    assert made.periods.count() == 12


def test_the_designer_shows_a_bad_expression_at_its_row_and_keeps_the_input(login, platform_admin):
    rows = [*ROWS[:2], {**ROWS[2], "expression": "numerator.real / denominator"}]
    response = login(platform_admin).post(reverse("reporting:dataset_new"), _post(rows, []))

    assert response.status_code == 422
    page = response.content.decode()
    assert "Only numbers, indicator codes" in page
    assert "numerator.real / denominator" in page
    assert not Dataset.objects.exists()


@pytest.mark.parametrize("who", ["manager", "staff_a", "hospital_admin_a"])
def test_only_platform_admins_open_the_designer(login, request, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("reporting:datasets")).status_code == 404
    assert client.post(reverse("reporting:dataset_new"), _post(ROWS, [])).status_code == 404
    assert not Dataset.objects.exists()


def test_a_designed_dataset_of_another_alliance_is_not_found(login, platform_admin, dataset):
    other = HospitalFactory(alliance__name="另一个医联体")
    assert other.alliance_id != dataset.alliance_id
    Dataset.objects.filter(pk=dataset.pk).update(alliance=other.alliance)
    response = login(platform_admin).get(
        reverse("reporting:dataset_edit", args=[dataset.public_id])
    )
    assert response.status_code == 404


__all__ = ["Hospital", "Submission"]
