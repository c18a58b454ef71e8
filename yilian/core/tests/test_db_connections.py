"""PostgreSQL connections: JIT compilation off in every session, and the pool — each
alias gets one when ``YILIAN_DB_POOL_MAX`` is set (by default in production), and a
process never holds more connections than that."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from yilian.core.db_router import pool_connections, postgresql_sessions

POSTGRES: dict[str, Any] = {"ENGINE": "django.db.backends.postgresql", "NAME": "yilian"}
SQLITE: dict[str, Any] = {"ENGINE": "django.db.backends.sqlite3", "NAME": "yilian.sqlite3"}


def test_postgresql_sessions_run_without_jit_and_keep_other_options():
    databases: dict[str, dict[str, Any]] = {
        "default": {**POSTGRES},
        "replica": {**POSTGRES, "OPTIONS": {"options": "-c statement_timeout=5000"}},
        "local": {**SQLITE},
    }
    postgresql_sessions(databases)
    assert databases["default"]["OPTIONS"] == {"options": "-c jit=off"}
    assert databases["replica"]["OPTIONS"] == {"options": "-c statement_timeout=5000 -c jit=off"}
    assert "OPTIONS" not in databases["local"]


def test_the_applications_postgresql_connection_has_jit_off(db):
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_every_postgresql_alias_gets_a_pool_and_sqlite_none():
    databases: dict[str, dict[str, Any]] = {
        "default": {**POSTGRES},
        "replica": {**POSTGRES, "OPTIONS": {"sslmode": "require"}},
    }
    pool_connections(databases, max_size=8, timeout=5, conn_max_age=0)
    assert databases["default"]["OPTIONS"] == {"pool": {"min_size": 1, "max_size": 8, "timeout": 5}}
    assert databases["replica"]["OPTIONS"]["sslmode"] == "require"
    assert databases["replica"]["OPTIONS"]["pool"]["max_size"] == 8

    local = {"default": {**SQLITE}}
    pool_connections(local, max_size=8, timeout=5, conn_max_age=0)
    assert "OPTIONS" not in local["default"]


def test_no_pool_when_the_size_is_zero():
    databases = {"default": {**POSTGRES}}
    pool_connections(databases, max_size=0, timeout=5, conn_max_age=60)
    assert "OPTIONS" not in databases["default"]


def test_a_pool_and_persistent_connections_are_refused_together():
    with pytest.raises(ImproperlyConfigured, match="YILIAN_DB_CONN_MAX_AGE=0"):
        pool_connections({"default": {**POSTGRES}}, max_size=8, timeout=5, conn_max_age=60)


# Six threads each hold a connection for 0.3 s at once, each in a request context of its
# own as ASGI gives them; the script prints the server process ids they were served by.
BURST = textwrap.dedent(
    """
    import json, threading
    import django
    django.setup()
    from django.db import connection

    pids, lock = [], threading.Lock()

    def request():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.3)")
            pid = cursor.fetchone()[0]
        with lock:
            pids.append(pid)
        connection.close()  # what the end of a request does

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(pids))
    """
)


@pytest.mark.parametrize(("pool_max", "most"), [("2", 2), ("0", 6)])
def test_a_burst_is_served_by_at_most_the_pools_connections(db, pool_max, most):
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yilian.settings",
        "DATABASE_URL": url,
        "YILIAN_DB_POOL_MAX": pool_max,
        "YILIAN_DB_CONN_MAX_AGE": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", BURST], env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    pids = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(pids) == 6
    # Without a pool every thread opens a connection of its own; with one they share two.
    assert len(set(pids)) == most
