"""Patient identifiers encrypted at rest (AES-256-GCM) and their keyed hashes for lookup.

A master key yields, by HKDF, a key for encryption and a separate key for the HMAC that
lets a hospital find or de-duplicate a patient by national ID or phone without decrypting
every row.

Key rotation: ``YILIAN_FIELD_KEY`` is the current master key and ``YILIAN_FIELD_KEYS_OLD``
lists the previous ones. Everything is encrypted and hashed with the current key; a stored
ciphertext names the key that sealed it (``v2:<key id>:<data>``, the key id being a short
fingerprint of the master key), so it is opened with that key directly and a row's key is
visible without decrypting. The first format (``v1:<data>``, no key id) is still read: each
configured key is tried in turn. Lookups match the hashes under every configured key
(``lookup_hashes``) until ``manage.py rotate_field_key`` has moved every row to the
current key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_LEGACY_VERSION = "v1"
_VERSION = "v2"
_NONCE_BYTES = 12


@dataclass(frozen=True)
class FieldKey:
    key_id: str  # 8 hex characters: a fingerprint of the master key, not a secret
    encryption: bytes
    lookup: bytes


@cache
def _field_key(master_b64: str, setting: str) -> FieldKey:
    try:
        master = base64.b64decode(master_b64, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{setting} must be base64") from exc
    if len(master) != 32:
        raise ImproperlyConfigured(f"{setting} must be 32 bytes (base64-encoded)")

    def derive(purpose: bytes, length: int = 32) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(
            master
        )

    return FieldKey(
        key_id=derive(b"yilian field key id", 4).hex(),
        encryption=derive(b"yilian field encryption"),
        lookup=derive(b"yilian field lookup"),
    )


@cache
def _keyring(current: str, old: tuple[str, ...]) -> tuple[FieldKey, ...]:
    keys = [_field_key(current, "YILIAN_FIELD_KEY")]
    for master in old:
        key = _field_key(master, "YILIAN_FIELD_KEYS_OLD")
        if all(key.key_id != known.key_id for known in keys):
            keys.append(key)
    return tuple(keys)


def keyring() -> tuple[FieldKey, ...]:
    """The configured keys, the current one first."""
    return _keyring(settings.YILIAN_FIELD_KEY, tuple(settings.YILIAN_FIELD_KEYS_OLD))


def current_key_id() -> str:
    return keyring()[0].key_id


def current_prefix() -> str:
    """What every ciphertext sealed with the current key starts with."""
    return f"{_VERSION}:{current_key_id()}:"


def key_id_of(stored: str) -> str | None:
    """The id of the key that sealed ``stored``; None for the first format (no key id)."""
    version, _, rest = stored.partition(":")
    if version == _VERSION:
        return rest.partition(":")[0]
    if version == _LEGACY_VERSION:
        return None
    raise ValueError("unknown ciphertext version")


def encrypt(plaintext: str, *, context: str) -> str:
    """``plaintext`` sealed for storage with the current key; ``context`` (e.g.
    "patients.patient.national_id") is bound to the ciphertext, so a value copied into
    another column does not decrypt."""
    key = keyring()[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key.encryption).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{_VERSION}:{key.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def _open(key: FieldKey, body: str, context: str) -> str:
    raw = base64.urlsafe_b64decode(body)
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    return AESGCM(key.encryption).decrypt(nonce, sealed, context.encode()).decode()


def decrypt(stored: str, *, context: str) -> str:
    version, _, rest = stored.partition(":")
    if version == _VERSION:
        key_id, _, body = rest.partition(":")
        for key in keyring():
            if key.key_id == key_id:
                return _open(key, body, context)
        raise ValueError(f"ciphertext sealed with field key {key_id}, which is not configured")
    if version == _LEGACY_VERSION:
        for key in keyring():
            try:
                return _open(key, rest, context)
            except InvalidTag:
                continue
        raise ValueError("no configured field key opens this ciphertext")
    raise ValueError("unknown ciphertext version")


def _hash(key: FieldKey, value: str, context: str) -> str:
    message = f"{context}\x00{value}".encode()
    return hmac.new(key.lookup, message, hashlib.sha256).hexdigest()


def lookup_hash(value: str, *, context: str) -> str:
    """A keyed hash of ``value`` for equality lookups (not reversible without the key), with
    the current key: what is stored."""
    return _hash(keyring()[0], value, context)


def lookup_hashes(value: str, *, context: str) -> list[str]:
    """The hashes of ``value`` under every configured key, the current one first: what a
    lookup matches while rows sealed with an old key remain."""
    return [_hash(key, value, context) for key in keyring()]
