"""Read replicas for reporting work.

When ``YILIAN_REPLICA_URL`` names one or more PostgreSQL standbys, settings define the
aliases ``replica`` (the first), ``replica_2``, … and this router sends the reads of
*reporting* selectors to one of them: the statistics pages read many rows and may be a
moment behind the primary. Everything else — every write, every read inside a transaction,
every page that shows what its user has just done — stays on the primary (``default``).

A selector opts in with ``@reporting_reads`` (or ``with reporting_reads():``); without a
replica configured it changes nothing. ``pool_connections`` bounds the connections each
process opens to any of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_reporting: ContextVar[bool] = ContextVar("yilian_reporting_reads", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def replica_alias(index: int) -> str:
    """The alias of the ``index``-th (0-based) URL in ``YILIAN_REPLICA_URL``."""
    return REPLICA if index == 0 else f"{REPLICA}_{index + 1}"


def replica_databases(urls: list[str], *, conn_max_age: int = 0) -> dict[str, Any]:
    """``DATABASES`` entries for the replica URLs; in tests each replica mirrors the
    primary's test database."""
    import dj_database_url

    databases: dict[str, Any] = {}
    for index, url in enumerate(urls):
        config = dj_database_url.parse(url, conn_max_age=conn_max_age)
        config["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
        databases[replica_alias(index)] = config
    return databases


def postgresql_sessions(databases: dict[str, Any]) -> None:
    """Every PostgreSQL connection runs with JIT compilation off. The planner's estimate
    for a page's counting query over a million requests passes ``jit_above_cost`` and
    compiling then costs more than running it (an inbox's counts: 175 ms with JIT, 19 ms
    without); the platform's queries are short, indexed reads."""
    for config in databases.values():
        if config["ENGINE"] == "django.db.backends.postgresql":
            options = config.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c jit=off".strip()


def pool_connections(
    databases: dict[str, Any], *, max_size: int, timeout: int, conn_max_age: int
) -> None:
    """Give every PostgreSQL alias a pool of at most ``max_size`` connections per process
    (psycopg's pool; nothing when ``max_size`` is 0).

    Under ASGI each request runs its synchronous code in a thread of its own, so without a
    bound a burst opens one connection per request in flight and PostgreSQL refuses those
    beyond ``max_connections``; with the pool a request waits for a free connection (up to
    ``timeout`` seconds) and connections are not opened and closed per request."""
    if not max_size:
        return
    if conn_max_age:
        raise ImproperlyConfigured(
            "YILIAN_DB_POOL_MAX and YILIAN_DB_CONN_MAX_AGE exclude each other: the pool "
            "keeps its connections open itself; set YILIAN_DB_CONN_MAX_AGE=0 or "
            "YILIAN_DB_POOL_MAX=0."
        )
    for config in databases.values():
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": 1,
                "max_size": max_size,
                "timeout": timeout,
            }


def waited_past_pool_timeout(exc: BaseException | None) -> bool:
    """Whether ``exc`` is, or was caused by, the pool's timeout: no connection became free
    within ``YILIAN_DB_POOL_TIMEOUT`` seconds (Django raises its ``OperationalError`` from
    psycopg_pool's ``PoolTimeout``). A moment of overload, not a fault of the request."""
    from psycopg_pool import PoolTimeout

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, PoolTimeout):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def replica_aliases() -> list[str]:
    """The configured replica aliases (none without ``YILIAN_REPLICA_URL``)."""
    return [alias for alias in connections if alias == REPLICA or alias.startswith(REPLICA + "_")]


@contextmanager
def reporting_reads() -> Iterator[None]:
    """Reads inside the block may be answered by a replica."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reporting(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a reporting selector: its reads may go to a replica. The selector must
    evaluate its querysets before returning (a lazy queryset evaluated later, in a
    template, reads from the primary)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reporting_reads():
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: reporting reads to a replica, everything else to the
    primary. Returning None leaves the decision to Django (the primary, or the database an
    instance was read from)."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not _reporting.get():
            return None
        aliases = replica_aliases()
        if not aliases or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # Read-after-write inside a transaction must see its own writes.
            return None
        return random.choice(aliases)  # spreading the load, not a secret

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Replicas hold the primary's rows: an object read from one relates to any other.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # Replicas receive the schema by replication, never by migrate.
        return None if db == DEFAULT_DB_ALIAS else False
