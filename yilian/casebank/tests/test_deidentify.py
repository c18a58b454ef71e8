"""Identifiers out of free text; clinical words left alone."""

from __future__ import annotations

from datetime import date

import pytest

from yilian.casebank.deidentify import age_band, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证330122196205154312", "身份证[证件号]"),
        ("证件 11010519491231002X 核对", "证件 [证件号] 核对"),
        ("手机 139-5711-2345，座机 0571-87654321", "手机 [电话]，座机 [电话]"),
        ("电话+86 13957112345", "电话[电话]"),
        ("住院号：ZY20240311，门诊号 88812", "住院号[编号]，门诊号[编号]"),
        (
            "2024年3月5日入院，2024-03-20复查，3月28日出院，2023年12月起",
            "[日期]入院，[日期]复查，[日期]出院，[日期]起",
        ),
        ("IDH1 突变，肿瘤 12mm，CEA 5.2 ng/ml", "IDH1 突变，肿瘤 12mm，CEA 5.2 ng/ml"),
        ("身份证 330122 19620515 4312 已核", "身份证 [证件号] 已核"),
        ("联系邮箱zhang.jg@163.com，或13957112345@qq.com", "联系邮箱[邮箱]，或[邮箱]"),
    ],
)
def test_identifiers_are_replaced_by_pattern(text, expected):
    assert scrub(text) == expected


def test_known_names_and_the_patients_honorifics_are_replaced():
    text = "张建国入院，张先生自述胸闷；王专家会诊，李明陪同。"

    assert scrub(text, patient_names=["张建国"], other_names=["王专家", "李明"]) == (
        "[患者]入院，[患者]自述胸闷；[医生]会诊，[医生]陪同。"
    )


@pytest.mark.parametrize(
    ("birth", "on", "band"),
    [
        (date(1962, 5, 15), date(2026, 5, 14), "60–69"),
        (date(1962, 5, 15), date(2022, 5, 14), "50–59"),
        (date(2026, 1, 1), date(2026, 6, 1), "<1"),
        (date(1930, 1, 1), date(2026, 6, 1), "90+"),
        (None, date(2026, 6, 1), ""),
    ],
)
def test_age_band(birth, on, band):
    assert age_band(birth, on) == band
