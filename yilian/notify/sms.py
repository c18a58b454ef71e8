"""SMS backends. ``YILIAN_SMS_BACKEND`` names the class; a real gateway is one subclass
of ``BaseSMSBackend`` that implements ``send``.

Every text message goes out through ``send_sms``, which allows each mobile number at most
``YILIAN_SMS_RATE`` messages (whoever asks for them: public pages can make us text any
number). The limit is fail-closed: while the cache cannot count, nothing is sent."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from yilian.core.masking import mask_phone
from yilian.core.ratelimit import hit

logger = logging.getLogger("yilian.sms")


class BaseSMSBackend:
    """Sends one text message. Raise on failure; the delivery is then marked failed."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LogBackend(BaseSMSBackend):
    """Writes one line per message to the ``yilian.sms`` logger, the number masked."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), " ".join(text.split()))


def get_backend() -> BaseSMSBackend:
    backend_class = import_string(settings.YILIAN_SMS_BACKEND)
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseSMSBackend)):
        raise TypeError(f"{settings.YILIAN_SMS_BACKEND} is not an SMS backend")
    return backend_class()


class SMSRateLimited(Exception):
    """The number had its share of messages for now (or the limit could not be counted)."""


def send_sms(phone: str, text: str) -> None:
    """Send ``text`` to ``phone`` unless the number is over ``YILIAN_SMS_RATE``: then raise
    ``SMSRateLimited`` and send nothing. The count is kept under a keyed hash of the number,
    never the number itself."""
    number = salted_hmac("yilian.notify.sms.rate", phone.strip()).hexdigest()
    allowed, _retry = hit("sms", number, settings.YILIAN_SMS_RATE, fail_closed=True)
    if not allowed:
        logger.warning("SMS to %s not sent: the number's limit is reached", mask_phone(phone))
        raise SMSRateLimited
    get_backend().send(phone, text)
