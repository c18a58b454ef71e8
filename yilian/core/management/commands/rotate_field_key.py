"""``manage.py rotate_field_key [--batch-size N] [--max-batches N] [--dry-run]``: re-seal
every encrypted column with the current field key (``YILIAN_FIELD_KEY``) and recompute the
lookup hashes beside it, in short batches while the application runs (see
``yilian/core/keyrotation.py`` and docs/operations.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yilian.audit.models import AuditAction, Outcome
from yilian.audit.services import record
from yilian.core.crypto import current_key_id, keyring
from yilian.core.keyrotation import count_stale, encrypted_models, rotate_batch

COMMAND = "manage.py rotate_field_key"


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the current field key, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (default 500)."
        )
        parser.add_argument(
            "--max-batches",
            type=int,
            default=0,
            help="Stop after N batches in all (0: no limit); a later run continues.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the rows on another key."
        )

    def handle(
        self,
        *args: object,
        batch_size: int,
        max_batches: int,
        dry_run: bool,
        **options: object,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more")
        if max_batches < 0:
            raise CommandError("--max-batches must be 0 or more")
        old_ids = ", ".join(key.key_id for key in keyring()[1:]) or "none"
        self.stdout.write(f"current field key {current_key_id()}; old keys: {old_ids}")
        models = encrypted_models()
        if dry_run:
            for model in models:
                self.stdout.write(f"{model._meta.label}: {count_stale(model)} to re-encrypt")
            return

        batches = 0
        unreadable_total = 0
        for model in models:
            label = model._meta.label
            rotated = 0
            unreadable: set[object] = set()
            while not max_batches or batches < max_batches:
                result = rotate_batch(model, batch_size=batch_size, skip=frozenset(unreadable))
                batches += 1
                rotated += result.rotated
                unreadable.update(result.unreadable)
                if not result.rotated and not result.unreadable:
                    break
                self.stdout.write(f"{label}: {rotated} re-encrypted")
            if rotated:
                record(
                    None,
                    action=AuditAction.UPDATE,
                    object_type=model._meta.label_lower,
                    path=f"{COMMAND} (key {current_key_id()})",
                )
            if unreadable:
                unreadable_total += len(unreadable)
                self.stderr.write(
                    f"{label}: {len(unreadable)} rows open with no configured key "
                    f"(primary keys {', '.join(map(str, sorted(unreadable, key=str)[:20]))})"
                )
                record(
                    None,
                    action=AuditAction.UPDATE,
                    object_type=model._meta.label_lower,
                    outcome=Outcome.FAILED,
                    path=f"{COMMAND} (key {current_key_id()})",
                )

        remaining = {model._meta.label: count_stale(model) for model in models}
        left = sum(remaining.values())
        if left:
            detail = ", ".join(f"{label}: {n}" for label, n in remaining.items() if n)
            self.stdout.write(
                f"{left} rows still use an old key ({detail}): keep YILIAN_FIELD_KEYS_OLD "
                "and run the command again."
            )
        else:
            self.stdout.write(
                "No row uses an old key: the old keys may be removed from YILIAN_FIELD_KEYS_OLD."
            )
        if unreadable_total:
            raise CommandError(f"{unreadable_total} rows could not be decrypted")
