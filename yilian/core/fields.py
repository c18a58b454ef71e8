"""Model fields for data that must not be readable in the database."""

from __future__ import annotations

from typing import Any

from django.db import models

from .crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Text stored encrypted (AES-256-GCM, see ``core.crypto``); Python sees plain text.

    The ciphertext is bound to ``app_label.model.field``. It cannot be searched or sorted
    in the database: pair it with a keyed-hash column for lookups. Empty stays empty.
    """

    def contribute_to_class(
        self, cls: type[models.Model], name: str, *args: Any, **kw: Any
    ) -> None:
        super().contribute_to_class(cls, name, *args, **kw)
        self.context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value, context=self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value), context=self.context)
