"""The registry definition language: ICD-10 patterns, the form, derived durations and
indicator conditions are checked when defined; conditions are evaluated three-valued."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from .. import definitions as d
from ..demo import STEMI
from ..services import RegistryData, RegistryInvalid, save_registry

# --- ICD-10 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "patterns", "expected"),
    [
        ("I21.4", ["I21.*"], True),
        ("I21", ["I21.*"], True),
        ("i21.4 ", ["I21.*"], True),
        ("I214", ["I21.*"], True),  # the dot left out
        ("I22.0", ["I21.*"], False),
        ("I2", ["I21.*"], False),
        ("I21.9", ["I21"], True),
        ("I21.4", ["I21.4"], True),
        ("I21.40", ["I21.4"], False),
        ("I21.0", ["I21.4"], False),
        ("I50.1", ["I21.*", "I50.*"], True),
        ("", ["I21.*"], False),
        ("急性心梗", ["I21.*"], False),
    ],
)
def test_icd_codes_match_the_registry_patterns(code, patterns, expected):
    assert d.icd_matches(code, patterns) is expected


def test_icd_patterns_are_normalised_and_bad_ones_named():
    assert d.clean_icd_patterns(["i21.*", " I22", "I21.*"]) == ["I21.*", "I22"]
    with pytest.raises(ValidationError, match="I2x"):
        d.clean_icd_patterns(["I21.*", "I2x"])
    with pytest.raises(ValidationError):
        d.clean_icd_patterns(["", " "])


# --- the form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([{"key": "a", "label": "A", "type": "colour"}], "type must be one of"),
        ([{"key": "A b", "label": "A", "type": "text"}], "must start with a letter"),
        (
            [
                {"key": "a", "label": "A", "type": "text"},
                {"key": "a", "label": "B", "type": "text"},
            ],
            "used twice",
        ),
        ([{"key": "a", "label": "A", "type": "choice", "options": ["x"]}], "at least two"),
        ([{"key": "a", "label": "A", "type": "number", "min": 5, "max": 1}], "min is above max"),
        ([{"key": "a", "label": "A", "type": "text", "max": 1}], "only a number field"),
        ([{"key": "age", "label": "A", "type": "number"}], "used twice"),  # a built-in
        ([], "at least one field"),
    ],
)
def test_bad_form_fields_are_refused_with_their_position(fields, message):
    with pytest.raises(ValidationError) as caught:
        d.clean_fields(fields)
    assert message in " ".join(caught.value.messages)


def test_a_derived_duration_needs_date_or_datetime_ends():
    fields = d.clean_fields(
        [
            {"key": "arrival_at", "label": "A", "type": "datetime"},
            {"key": "note", "label": "N", "type": "text"},
        ]
    )
    ok = d.clean_derived(
        [{"key": "stay", "from": "admission_date", "to": "arrival_at", "unit": "hours"}], fields
    )
    assert ok[0].unit == "hours"
    with pytest.raises(ValidationError, match="date or date-and-time"):
        d.clean_derived([{"key": "x", "from": "arrival_at", "to": "note"}], fields)
    with pytest.raises(ValidationError, match="unit"):
        d.clean_derived(
            [{"key": "x", "from": "arrival_at", "to": "arrival_at", "unit": "weeks"}], fields
        )


def test_answers_are_checked_per_field_and_drafts_may_leave_required_ones_empty():
    fields = d.clean_fields(
        [
            {
                "key": "lvef",
                "label": "LVEF",
                "type": "number",
                "min": 5,
                "max": 90,
                "required": True,
            },
            {"key": "given", "label": "G", "type": "yes_no", "required": True},
            {"key": "kind", "label": "K", "type": "choice", "options": ["a", "b"]},
            {"key": "on", "label": "D", "type": "date"},
            {"key": "at", "label": "T", "type": "datetime"},
        ]
    )
    raw = {"lvef": "95", "given": "maybe", "kind": "c", "on": "2025-02-30", "at": "soon"}

    values, errors = d.clean_answers(fields, raw, complete=True)

    assert values == {}
    assert errors == {
        "lvef": "Enter a number of at most 90.",
        "given": "Choose yes or no.",
        "kind": "Choose one of the options.",
        "on": "Enter a date (YYYY-MM-DD).",
        "at": "Enter a date and time (YYYY-MM-DD HH:MM).",
    }
    assert d.clean_answers(fields, {}, complete=False) == ({}, {})
    _values, missing = d.clean_answers(fields, {"lvef": ""}, complete=True)
    assert set(missing) == {"lvef", "given"}
    good, none = d.clean_answers(
        fields,
        {"lvef": "35.5", "given": "yes", "on": "2025-03-01", "at": "2025-03-01T08:30"},
        complete=True,
    )
    assert none == {}
    assert good["lvef"] == 35.5 and good["given"] is True and good["on"] == "2025-03-01"
    assert good["at"].startswith("2025-03-01T08:30:00")


# --- conditions ---------------------------------------------------------------------------


def _names():
    fields = d.clean_fields(
        [
            {"key": "given", "label": "G", "type": "yes_no"},
            {"key": "lvef", "label": "L", "type": "number"},
            {"key": "kind", "label": "K", "type": "choice", "options": ["a", "b"]},
            {"key": "note", "label": "N", "type": "text"},
            {"key": "arrival_at", "label": "A", "type": "datetime"},
            {"key": "needle_at", "label": "N", "type": "datetime"},
        ]
    )
    derived = d.clean_derived(
        [{"key": "dnt", "from": "arrival_at", "to": "needle_at", "unit": "minutes"}], fields
    )
    return d.value_types(fields, derived)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "aspirin", "op": "eq", "value": True}, "unknown field “aspirin”"),
        ({"field": "given", "op": "equals", "value": True}, "unknown operator “equals”"),
        ({"field": "given", "op": "lt", "value": True}, "compares numbers or dates"),
        ({"field": "note", "op": "gt", "value": "x"}, "compares numbers or dates"),
        ({"field": "lvef", "op": "lt", "value": "forty"}, "is not a value"),
        ({"field": "lvef", "op": "lt", "value": True}, "is not a value"),
        ({"field": "given", "op": "eq", "value": "yes"}, "is not a value"),
        ({"field": "kind", "op": "eq", "value": "c"}, "is not a value"),
        ({"field": "kind", "op": "in", "value": "a"}, "takes a list"),
        ({"field": "given", "op": "is_set", "value": True}, "takes no value"),
        ({"field": "given", "op": "eq"}, "needs a value"),
        ({"field": "given", "op": "eq", "value": True, "why": 1}, "unknown keys"),
        ({"all": {"field": "given"}}, "takes a list"),
        ({"all": [], "any": []}, "takes a list of conditions and nothing else"),
        (
            {
                "all": [
                    {"field": "dnt", "op": "le", "value": 60},
                    {"field": "x", "op": "eq", "value": 1},
                ]
            },
            "unknown field “x”",
        ),
        ("given == true", "a condition is an object"),
        ({"field": "__import__('os')", "op": "eq", "value": 1}, "unknown field"),
    ],
)
def test_bad_conditions_are_refused_when_defined(condition, message):
    with pytest.raises(ValidationError) as caught:
        d.clean_condition(condition, _names(), where="Indicator 1")
    text = " ".join(caught.value.messages)
    assert message in text
    assert text.startswith("Indicator 1: ")


def test_a_registry_with_a_bad_indicator_is_not_saved(platform_admin):
    data = copy.deepcopy(STEMI.__dict__)
    data["indicators"][1]["numerator"] = {
        "field": "door_to_ballon_minutes",
        "op": "le",
        "value": 90,
    }
    data["indicators"][2]["numerator"] = {"field": "beta_blocker", "op": "≈", "value": True}

    with pytest.raises(RegistryInvalid) as caught:
        save_registry(actor=platform_admin, data=RegistryData(**data))

    messages = caught.value.message_dict["indicators"]
    assert any("d2b_90" in m and "door_to_ballon_minutes" in m for m in messages)
    assert any("beta_blocker" in m and "unknown operator" in m for m in messages)
    from ..models import Registry

    assert not Registry.objects.exists()


def test_only_platform_administrators_define_registries(manager):
    with pytest.raises(PermissionDenied):
        save_registry(actor=manager, data=STEMI)


def test_conditions_follow_three_valued_logic():
    names = _names()
    values = d.case_values(
        {
            "given": True,
            "arrival_at": "2025-03-01T08:00:00+08:00",
            "needle_at": "2025-03-01T08:45:00+08:00",
        },
        d.clean_derived(
            [{"key": "dnt", "from": "arrival_at", "to": "needle_at", "unit": "minutes"}],
            d.clean_fields(
                [
                    {"key": "arrival_at", "label": "A", "type": "datetime"},
                    {"key": "needle_at", "label": "N", "type": "datetime"},
                ]
            ),
        ),
        admission_date=date(2025, 3, 1),
        discharge_date=date(2025, 3, 8),
        birth_date=date(1960, 3, 2),
    )
    known = {"field": "given", "op": "eq", "value": True}
    unknown = {"field": "lvef", "op": "lt", "value": 40}
    false = {"field": "given", "op": "eq", "value": False}

    assert values["dnt"] == 45.0
    assert values["length_of_stay_days"] == 7 and values["age"] == 64
    assert d.evaluate({"field": "dnt", "op": "le", "value": 60}, values, names) is True
    assert d.evaluate(unknown, values, names) is None
    assert d.evaluate({"all": [known, unknown]}, values, names) is None
    assert d.evaluate({"all": [false, unknown]}, values, names) is False
    assert d.evaluate({"any": [known, unknown]}, values, names) is True
    assert d.evaluate({"any": [false, unknown]}, values, names) is None
    assert d.evaluate({"not": unknown}, values, names) is None
    assert d.evaluate({"not": known}, values, names) is False
    assert d.evaluate({"field": "lvef", "op": "is_missing"}, values, names) is True
    assert d.evaluate({"field": "kind", "op": "not_in", "value": ["a"]}, values, names) is None
    assert d.evaluate({"all": []}, values, names) is True


def test_an_answer_stored_under_an_earlier_field_type_is_unknown_not_an_error():
    names = _names()  # "lvef" is a number now; a case answered it as text before
    values = {"lvef": "about forty", "note": 3}

    assert d.evaluate({"field": "lvef", "op": "lt", "value": 40}, values, names) is None
    assert d.evaluate({"field": "note", "op": "eq", "value": "x"}, values, names) is False
    assert d.evaluate({"any": [{"field": "lvef", "op": "ge", "value": 40}]}, values, names) is None
    derived = [
        d.Derived(key="dnt", label="DNT", start="arrival_at", end="needle_at", unit="minutes")
    ]
    stale = d.case_values(
        {"arrival_at": "morning", "needle_at": "2025-03-01T08:45:00+08:00"},
        derived,
        admission_date=None,
        discharge_date=None,
    )
    assert stale["dnt"] is None
