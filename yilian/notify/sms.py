"""SMS backends. ``YILIAN_SMS_BACKEND`` names the class; a real gateway is one subclass
of ``BaseSMSBackend`` that implements ``send``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from yilian.core.masking import mask_phone

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
