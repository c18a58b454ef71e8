"""Patient identifiers encrypted at rest (AES-256-GCM) and their keyed hashes for lookup.

One master key (``YILIAN_FIELD_KEY``) yields, by HKDF, a key for encryption and a separate
key for the HMAC that lets a hospital find or de-duplicate a patient by national ID or
phone without decrypting every row. Stored ciphertexts carry a version prefix so the key
can be rotated later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = "v1"
_NONCE_BYTES = 12


@cache
def _keys(master_b64: str) -> tuple[bytes, bytes]:
    try:
        master = base64.b64decode(master_b64, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("YILIAN_FIELD_KEY must be base64") from exc
    if len(master) != 32:
        raise ImproperlyConfigured("YILIAN_FIELD_KEY must be 32 bytes (base64-encoded)")

    def derive(purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)

    return derive(b"yilian field encryption"), derive(b"yilian field lookup")


def _encryption_key() -> bytes:
    return _keys(settings.YILIAN_FIELD_KEY)[0]


def _lookup_key() -> bytes:
    return _keys(settings.YILIAN_FIELD_KEY)[1]


def encrypt(plaintext: str, *, context: str) -> str:
    """``plaintext`` sealed for storage; ``context`` (e.g. "patients.national_id") is bound
    to the ciphertext, so a value copied into another column does not decrypt."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, *, context: str) -> str:
    version, _, body = stored.partition(":")
    if version != _VERSION:
        raise ValueError("unknown ciphertext version")
    raw = base64.urlsafe_b64decode(body)
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    return AESGCM(_encryption_key()).decrypt(nonce, sealed, context.encode()).decode()


def lookup_hash(value: str, *, context: str) -> str:
    """A keyed hash of ``value`` for equality lookups (not reversible without the key)."""
    message = f"{context}\x00{value}".encode()
    return hmac.new(_lookup_key(), message, hashlib.sha256).hexdigest()
