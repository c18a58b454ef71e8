"""Moving encrypted columns to the current field key (``manage.py rotate_field_key``).

The models are found by their fields (every concrete ``EncryptedTextField`` of every
installed model), not from a list. A row is *stale* when one of its encrypted values is not
sealed with the current key (an old key, or the first ciphertext format). A batch locks
stale rows (skipping rows the application holds, where the database can), decrypts them
with whichever key sealed them and saves them again: saving seals the values with the
current key and the model's ``save`` recomputes its lookup hashes beside them. Each batch is
its own short transaction, and batches select by staleness, so the application keeps
running and an interrupted rotation resumes where it stopped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connections, models, router, transaction
from django.db.models import Q

from .crypto import current_prefix
from .fields import EncryptedTextField


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def encrypted_models() -> list[type[models.Model]]:
    """Every installed, managed, concrete model with an encrypted column, in label order."""
    found = [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and encrypted_fields(model)
    ]
    return sorted(found, key=lambda model: model._meta.label)


def stale(model: type[models.Model]) -> Q:
    """Rows with at least one encrypted value not sealed with the current key."""
    prefix = current_prefix()
    condition = Q(pk__in=[])
    for f in encrypted_fields(model):
        # startswith compares the stored text as it is (no encryption of the operand).
        condition |= (
            Q(**{f"{f.attname}__isnull": False})
            & ~Q(**{f.attname: ""})
            & ~Q(**{f"{f.attname}__startswith": prefix})
        )
    return condition


def count_stale(model: type[models.Model]) -> int:
    return model._base_manager.filter(stale(model)).count()


@dataclass
class BatchResult:
    rotated: int = 0
    unreadable: list[object] = field(default_factory=list)  # primary keys no key opens


def rotate_batch(
    model: type[models.Model], *, batch_size: int, skip: frozenset[object] = frozenset()
) -> BatchResult:
    """Re-seal up to ``batch_size`` stale rows of ``model`` in one transaction. Rows no
    configured key opens are reported, not changed; ``skip`` leaves out ones already
    reported."""
    names = [f.name for f in encrypted_fields(model)]
    db = router.db_for_write(model)
    result = BatchResult()
    with transaction.atomic(using=db):
        pks = model._base_manager.using(db).filter(stale(model)).exclude(pk__in=skip)
        if connections[db].features.has_select_for_update_skip_locked:
            pks = pks.select_for_update(skip_locked=True)
        chosen = list(pks.order_by("pk").values_list("pk", flat=True)[:batch_size])
        for row in _load(model, db, chosen, result):
            row.save(using=db, update_fields=names)
            result.rotated += 1
    return result


def _load(
    model: type[models.Model], db: str, pks: list[object], result: BatchResult
) -> Iterator[models.Model]:
    """The rows, decrypted; one at a time when a row in the batch does not open."""
    manager = model._base_manager.using(db)
    try:
        yield from list(manager.filter(pk__in=pks).order_by("pk"))
        return
    except (ValueError, InvalidTag):
        pass
    for pk in pks:
        try:
            row = manager.get(pk=pk)
        except (ValueError, InvalidTag):
            result.unreadable.append(pk)
            continue
        yield row
