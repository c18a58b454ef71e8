"""Typed access to environment variables — the only place settings read the environment."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_secret(name: str, default: str | None = None) -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/K8s secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points to an unreadable file") from exc
    value = os.environ.get(name)
    if value:
        return value
    if default is None:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set")
    return default


def env_secret_list(name: str) -> list[str]:
    """Several secrets from ``NAME`` or from the file named by ``NAME_FILE``, separated by
    commas or whitespace (newlines in a file); empty when neither is set."""
    raw = env_secret(name, default="")
    return [item for item in raw.replace(",", " ").split() if item]


def env_hours_map(name: str) -> dict[str, float]:
    """``key=hours`` pairs separated by commas (``study_visit.approve=48,referral.confirm=4``)."""
    result: dict[str, float] = {}
    for item in env_list(name):
        key, sep, raw = item.partition("=")
        try:
            hours = float(raw)
        except ValueError:
            hours = -1.0
        if not sep or not key.strip() or hours <= 0:
            raise ImproperlyConfigured(f"{name}: expected key=hours with hours > 0, got {item!r}")
        result[key.strip()] = hours
    return result
