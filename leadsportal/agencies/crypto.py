"""Encryption at rest of agency client secrets (and of the files of background exports).

MultiFernet over settings.FERNET_KEYS (newest first): new values are encrypted with the first key,
values encrypted with any listed key stay readable, so a key can be rotated by prepending a new
one, running `manage.py rotate_agency_secrets`, then dropping the old key.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretDecryptionError(Exception):
    """A stored secret cannot be decrypted with the configured keys."""


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured("LEADSPORTAL_FERNET_KEYS is empty: no key to encrypt secrets.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode("ascii")))
        except (ValueError, UnicodeEncodeError) as exc:
            # Never echo the key itself.
            raise ImproperlyConfigured(
                f"LEADSPORTAL_FERNET_KEYS: key #{position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes, e.g. from Fernet.generate_key())."
            ) from exc
    return MultiFernet(fernets), fernets[0]


def _keys() -> tuple[str, ...]:
    return tuple(settings.FERNET_KEYS)


def encrypt(plain: str) -> str:
    """Encrypt with the newest key; returns an ASCII token."""
    multi, _ = _fernets(_keys())
    return multi.encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    multi, _ = _fernets(_keys())
    try:
        return multi.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretDecryptionError(
            "The stored client secret cannot be decrypted with the keys in "
            "LEADSPORTAL_FERNET_KEYS: was the key that encrypted it removed? Put it back (after "
            "the new one), or set the secret again."
        ) from exc


def encrypt_bytes(plain: bytes) -> bytes:
    """Encrypt bytes with the newest key (files at rest, e.g. a prepared export): a token."""
    multi, _ = _fernets(_keys())
    return multi.encrypt(plain)


def decrypt_bytes(token: bytes) -> bytes:
    multi, _ = _fernets(_keys())
    try:
        return multi.decrypt(token)
    except InvalidToken as exc:
        raise SecretDecryptionError(
            "Stored data cannot be decrypted with the keys in LEADSPORTAL_FERNET_KEYS: was the "
            "key that encrypted it removed?"
        ) from exc


def is_encrypted_with_newest_key(token: str) -> bool:
    _, newest = _fernets(_keys())
    try:
        newest.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key (it must be readable with one of the keys)."""
    multi, _ = _fernets(_keys())
    try:
        return multi.rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretDecryptionError(
            "The stored client secret cannot be decrypted with the keys in "
            "LEADSPORTAL_FERNET_KEYS, so it cannot be re-encrypted."
        ) from exc
