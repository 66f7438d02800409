"""Encryption at rest for panel API keys.

Fernet (AES + HMAC) from `cryptography`, through MultiFernet so the keys can be rotated: the
first key in PANEL_KEY_ENCRYPTION_KEYS encrypts, every key decrypts, and `rotate` re-encrypts a
token under the first key. `manage.py rotate_keys` does that for every panel.

A key that cannot be decrypted is an error, never an empty or garbled key: processes check
at start (`panels.stored_keys`) and stop with the names of the panels concerned.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class UndecryptableKey(Exception):
    """No configured encryption key opens this token (a key was removed too early)."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "PANEL_KEY_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes); "
            "make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from None


def current_fernet() -> MultiFernet:
    return _fernet(tuple(settings.PANEL_KEY_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return current_fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return current_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey("no configured encryption key can decrypt this API key") from None


def rotate(token: str) -> str:
    """The same secret, encrypted under the first (current) key."""
    try:
        return current_fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey("no configured encryption key can decrypt this API key") from None
