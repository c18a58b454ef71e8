"""Password validators (``AUTH_PASSWORD_VALIDATORS``) for what Django's own miss here: the
passwords people in China pick first (pinyin, keyboard walks, 520/1314 love numbers, QQ
habits), and a password built from the account's own mobile number — the sign-in name,
so the first thing anyone guessing would try."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Several hundred of the most common passwords on Chinese sites (public top lists), one a
# line, lower case — the same form as Django's own list.
CHINESE_COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords-zh.txt.gz"


def _read(path: Path) -> set[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {line.strip().lower() for line in f if line.strip()}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20,000 common passwords plus the Chinese list above (or
    ``extra_list_path``), compared without case and surrounding spaces."""

    def __init__(self, extra_list_path: str | Path = CHINESE_COMMON_PASSWORDS) -> None:
        super().__init__()
        self.passwords = self.passwords | _read(Path(extra_list_path))

    def validate(self, password: str, user: Any = None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self) -> str:
        # Django's own message, so its translations (zh-Hans among them) apply as they are.
        return _("This password is too common.")


class PhoneNumberValidator:
    """Refuses a password that contains the account's mobile number."""

    def validate(self, password: str, user: Any = None) -> None:
        phone = re.sub(r"\D", "", str(getattr(user, "phone", "") or ""))
        if len(phone) >= 7 and phone in re.sub(r"\D", "", password):
            raise ValidationError(self.get_error_message(), code="password_contains_phone")

    def get_error_message(self) -> str:
        return _("The password must not contain your mobile number.")

    def get_help_text(self) -> str:
        return _("Your password can't contain your mobile number.")
