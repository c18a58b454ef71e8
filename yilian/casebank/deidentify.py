"""Taking identifiers out of free text (the difficult-case records).

Known names (the patient's, the doctors') are replaced wherever they occur; national IDs,
phone numbers, record numbers and dates are found by pattern. What is left is clinical text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

PATIENT = "[患者]"
PERSON = "[医生]"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Record numbers first: their digits would otherwise read as phones or dates.
    (
        re.compile(
            r"(住院号|门诊号|病案号|病历号|影像号|检查号|ID号|ID(?=\s*[:：]))\s*[:：]?\s*[A-Za-z0-9-]+"
        ),
        r"\1[编号]",
    ),
    # E-mail addresses (before the numbers: 13957112345@163.com is one address).
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"), "[邮箱]"),
    # Mainland national ID (18 digits, the last may be X, also written 6 8 4; the old
    # 15-digit form).
    (
        re.compile(r"(?<!\d)\d{6}\s?\d{8}\s?\d{3}[\dXx](?![\dA-Za-z])|(?<!\d)\d{15}(?!\d)"),
        "[证件号]",
    ),
    # Mobile numbers (with an optional +86) and landlines with an area code.
    (re.compile(r"(?:\+?86[- ]?)?(?<!\d)1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"), "[电话]"),
    (re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"), "[电话]"),
    # Dates: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 2024年3月, 3月5日, 5号.
    (re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"), "[日期]"),
    (re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月"), "[日期]"),
    (re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]"), "[日期]"),
)


def scrub(text: str, *, patient_names: Iterable[str] = (), other_names: Iterable[str] = ()) -> str:
    """``text`` without the given names and without IDs, phones, record numbers and dates."""
    for names, mark in ((patient_names, PATIENT), (other_names, PERSON)):
        for name in sorted(
            {n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True
        ):
            text = text.replace(name, mark)
            # "王某某"-style mentions by surname + honorific of the patient
            if mark == PATIENT:
                text = re.sub(
                    re.escape(name[0]) + r"(先生|女士|老人|老先生|阿姨|某某?)", mark, text
                )
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def age_band(birth_date: date | None, on: date) -> str:
    """The decade of age on ``on`` ("40–49"; "<1" for infants; "" when unknown)."""
    if birth_date is None:
        return ""
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if years < 1:
        return "<1"
    low = years // 10 * 10
    return f"{low}–{low + 9}" if low < 90 else "90+"
