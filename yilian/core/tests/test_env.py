"""core.env: typed environment variables; bad values name the variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from yilian.core.env import (
    env_bool,
    env_choice,
    env_hours_map,
    env_int,
    env_list,
    env_secret,
    env_str,
)

NAME = "YILIAN_TEST_SETTING"


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in (NAME, f"{NAME}_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_parses_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv(NAME, raw)

    assert env_bool(NAME, default=not expected) is expected


def test_env_bool_falls_back_to_the_default_when_unset():
    assert env_bool(NAME, default=True) is True
    assert env_bool(NAME) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
def test_env_bool_rejects_other_values_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(ImproperlyConfigured, match=NAME) as error:
        env_bool(NAME)

    assert repr(raw) in str(error.value)


def test_env_int_parses_integers(monkeypatch):
    monkeypatch.setenv(NAME, " 42 ")

    assert env_int(NAME, 7) == 42


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_env_int_uses_the_default_when_unset_or_blank(monkeypatch, raw):
    if raw is not None:
        monkeypatch.setenv(NAME, raw)

    assert env_int(NAME, 7) == 7


@pytest.mark.parametrize("raw", ["4x", "1.5", "ten"])
def test_env_int_rejects_non_integers_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)

    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be an integer"):
        env_int(NAME, 7)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(NAME, " a.example , b.example,, ,c.example ")

    assert env_list(NAME) == ["a.example", "b.example", "c.example"]


def test_env_list_set_but_empty_is_an_empty_list(monkeypatch):
    monkeypatch.setenv(NAME, "")

    assert env_list(NAME, ["default"]) == []


def test_env_list_default_is_a_copy():
    default = ["127.0.0.1"]

    value = env_list(NAME, default)
    value.append("changed")

    assert default == ["127.0.0.1"]
    assert env_list(NAME) == []


def test_env_choice_normalises_case_and_space(monkeypatch):
    monkeypatch.setenv(NAME, " Production ")

    assert env_choice(NAME, ("development", "test", "production"), "development") == "production"


def test_env_choice_uses_the_default_when_unset():
    assert env_choice(NAME, ("p2p", "janus"), "p2p") == "p2p"


def test_env_choice_rejects_unknown_values_naming_the_variable_and_choices(monkeypatch):
    monkeypatch.setenv(NAME, "staging")

    with pytest.raises(ImproperlyConfigured, match=NAME) as error:
        env_choice(NAME, ("development", "test", "production"), "development")

    assert "development, test, production" in str(error.value)
    assert "'staging'" in str(error.value)


def test_env_secret_reads_the_file_named_by_name_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    monkeypatch.setenv(NAME, "from-the-environment")

    assert env_secret(NAME) == "s3cret-from-file"


def test_env_secret_reads_the_variable_without_a_file(monkeypatch):
    monkeypatch.setenv(NAME, "from-the-environment")

    assert env_secret(NAME) == "from-the-environment"


def test_env_secret_unreadable_file_names_the_file_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))

    with pytest.raises(ImproperlyConfigured, match=f"{NAME}_FILE"):
        env_secret(NAME, default="fallback")


def test_env_secret_required_without_default(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} \\(or {NAME}_FILE\\) must be set"):
        env_secret(NAME)

    assert env_secret(NAME, default="fallback") == "fallback"


def test_env_secret_empty_value_counts_as_unset(monkeypatch):
    monkeypatch.setenv(NAME, "")

    assert env_secret(NAME, default="fallback") == "fallback"


def test_env_str_reads_or_defaults(monkeypatch):
    assert env_str(NAME, "fallback") == "fallback"
    monkeypatch.setenv(NAME, "value")
    assert env_str(NAME, "fallback") == "value"


def test_env_hours_map_reads_key_hours_pairs(monkeypatch):
    monkeypatch.setenv("X_SLA", " study_visit.approve=48, referral.confirm=0.5 ")
    assert env_hours_map("X_SLA") == {"study_visit.approve": 48.0, "referral.confirm": 0.5}
    monkeypatch.delenv("X_SLA")
    assert env_hours_map("X_SLA") == {}


@pytest.mark.parametrize("raw", ["study_visit.approve", "=4", "a.b=soon", "a.b=0", "a.b=-2"])
def test_env_hours_map_rejects_malformed_pairs_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("X_SLA", raw)
    with pytest.raises(ImproperlyConfigured, match="X_SLA"):
        env_hours_map("X_SLA")
