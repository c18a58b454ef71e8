"""SMS backends. ``YILIAN_SMS_BACKEND`` names the class; a real gateway is one subclass
of ``BaseSMSBackend`` that implements ``send``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("yilian.sms")


def mask_phone(phone: str) -> str:
    """138****0001: enough to tell numbers apart in a log, not enough to call one."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


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
