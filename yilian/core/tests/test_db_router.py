"""Reporting reads go to a read replica when one is configured; everything else stays on
the primary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from yilian.analytics.models import DailyRollup
from yilian.core.db_router import (
    REPLICA,
    ReplicaRouter,
    replica_aliases,
    replica_databases,
    reporting_reads,
)

router = ReplicaRouter()


@pytest.fixture
def replica(transactional_db, django_db_serialized_rollback) -> Iterator[str]:
    """A second database alias, ``replica``, on its own connection to the test database
    (what a streaming standby is: the same rows, another server)."""
    connections.settings[REPLICA] = {**connections["default"].settings_dict}
    # Opened now: the test case lets lazily opened connections reach only the aliases it
    # knew when it began.
    connections[REPLICA].connect()
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def test_replica_urls_become_replica_aliases_mirroring_the_primary_in_tests():
    databases = replica_databases(
        ["postgres://u@standby-1:5432/yilian", "postgres://u@standby-2:5432/yilian"],
        conn_max_age=60,
    )
    assert list(databases) == ["replica", "replica_2"]
    assert [db["HOST"] for db in databases.values()] == ["standby-1", "standby-2"]
    assert all(db["CONN_MAX_AGE"] == 60 for db in databases.values())
    assert all(db["TEST"] == {"MIRROR": "default"} for db in databases.values())


def test_without_a_replica_reporting_reads_stay_on_the_primary(db):
    assert replica_aliases() == []
    with reporting_reads():
        assert router.db_for_read(DailyRollup) is None


def test_reporting_reads_go_to_the_replica(replica):
    with reporting_reads():
        assert router.db_for_read(DailyRollup) == replica


def test_other_reads_and_every_write_go_to_the_primary(replica):
    assert router.db_for_read(DailyRollup) is None
    with reporting_reads():
        assert router.db_for_write(DailyRollup) == "default"


def test_reads_inside_a_transaction_stay_on_the_primary(replica):
    with transaction.atomic(), reporting_reads():
        assert router.db_for_read(DailyRollup) is None


def test_migrations_run_on_the_primary_only(replica):
    assert router.allow_migrate("default", "analytics") is None
    assert router.allow_migrate(replica, "analytics") is False


def test_the_dashboard_reads_its_rollups_from_the_replica(client, manager, replica):
    client.force_login(manager)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[replica]) as standby,
    ):
        response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    rollups = DailyRollup._meta.db_table
    assert any(rollups in query["sql"] for query in standby.captured_queries)
    assert not any(rollups in query["sql"] for query in primary.captured_queries)
    # The session and the signed-in user are read from the primary.
    assert any("django_session" in query["sql"] for query in primary.captured_queries)
