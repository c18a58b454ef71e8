"""``flush`` that can empty a database whose audit table refuses DELETE.

Emptying every table (``manage.py flush``, and the test runner between transactional
tests) is not editing the trail. PostgreSQL empties tables with TRUNCATE, which the row
triggers do not see. SQLite has no TRUNCATE: there the append-only triggers (of the trail
and of its archive ledger) are lifted for the flush and put back in the same transaction, so
no other connection ever sees the tables unguarded."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from yilian.audit.models import AuditArchive, AuditEntry


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        if options["interactive"]:
            confirm = input(
                f'This will IRREVERSIBLY DESTROY all data in "{connection.settings_dict["NAME"]}",'
                " including the audit trail. Type 'yes' to continue, or 'no' to cancel: "
            )
            if confirm != "yes":
                self.stdout.write("Flush cancelled.")
                return None
        tables = [AuditEntry._meta.db_table, AuditArchive._meta.db_table]
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name IN (%s, %s)",
                tables,
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            super().handle(**{**options, "interactive": False})
            for _name, sql in triggers:
                cursor.execute(sql)
        return None
