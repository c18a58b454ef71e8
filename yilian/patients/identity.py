"""Chinese resident identity numbers (GB 11643-1999) and phone numbers: checking,
normalising and masking."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise_national_id(raw: str) -> str:
    return (raw or "").strip().upper().replace(" ", "")


def birth_date_of(national_id: str) -> date:
    return date(int(national_id[6:10]), int(national_id[10:12]), int(national_id[12:14]))


def sex_of(national_id: str) -> str:
    """ "male"/"female" from the order digit (odd: male)."""
    return "male" if int(national_id[16]) % 2 else "female"


def validate_national_id(raw: str) -> str:
    """The normalised 18-character number, or ``ValidationError`` saying what is wrong."""
    value = normalise_national_id(raw)
    if not _ID.match(value):
        raise ValidationError(
            _("A national ID has 18 characters: 17 digits and a final digit or X."),
            code="format",
        )
    try:
        born = birth_date_of(value)
    except ValueError:
        raise ValidationError(
            _("The birth date in this national ID is not a date."), code="date"
        ) from None
    if born > date.today() or born.year < 1880:
        raise ValidationError(_("The birth date in this national ID is not possible."), code="date")
    if check_digit(value[:17]) != value[17]:
        raise ValidationError(
            _("This national ID's check digit is wrong: please check each digit."), code="check"
        )
    return value


def normalise_phone(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


def validate_phone(raw: str) -> str:
    value = normalise_phone(raw)
    if not _MOBILE.match(value):
        raise ValidationError(_("Give an 11-digit mobile number."), code="phone")
    return value
