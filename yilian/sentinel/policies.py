"""Who reports, who monitors. Monitors (the platform's managers) see every programme, site,
report and alert and handle the alerts; reporters (staff and administrators of a hospital
designated as a sentinel site) report for their own hospital and see its figures."""

from __future__ import annotations

from typing import Any

from yilian.accounts.roles import Role

MONITOR_ROLES = frozenset({Role.MANAGER, Role.PLATFORM_ADMIN})
REPORTER_ROLES = frozenset({Role.STAFF, Role.HOSPITAL_ADMIN})


def _member(user: Any) -> bool:
    return bool(user.is_authenticated and user.can_use_business and not user.has_role(Role.PATIENT))


def is_monitor(user: Any) -> bool:
    return _member(user) and user.has_role(*MONITOR_ROLES)


def is_reporter(user: Any) -> bool:
    return _member(user) and bool(user.hospital_id) and user.has_role(*REPORTER_ROLES)


def may_use(user: Any) -> bool:
    return is_monitor(user) or is_reporter(user)


def may_report(user: Any, site: Any) -> bool:
    """Staff of the site's own hospital, while the site is active."""
    return is_reporter(user) and site.active and site.hospital_id == user.hospital_id
