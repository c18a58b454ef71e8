"""How identifiers are shown where the whole value is not needed (lists, logs, messages)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****0001: enough to tell numbers apart, not enough to call one."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_national_id(value: str) -> str:
    """3301**********1234: the region and the last four characters."""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_name(name: str) -> str:
    """赵*生, 钱*, J***n: the first and last characters of a longer name, the first of a
    two-character one — enough for the named person to recognise, not to identify a
    stranger on a public page."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"
