"""Encryption at rest for panel API keys.

Fernet (AES + HMAC) from `cryptography`, through MultiFernet so the keys can be rotated: the
first key in PANEL_KEY_ENCRYPTION_KEYS encrypts, every key decrypts, and `rotate` re-encrypts a
token under the first key. `manage.py rotate_keys` does that for every panel.

A key that cannot be decrypted is an error, never an empty or garbled key: processes check
at start (`undecryptable_panels`) and stop with the names of the panels concerned.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.defaultfilters import pluralize


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


def _current() -> MultiFernet:
    return _fernet(tuple(settings.PANEL_KEY_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey("no configured encryption key can decrypt this API key") from None


def rotate(token: str) -> str:
    """The same secret, encrypted under the first (current) key."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableKey("no configured encryption key can decrypt this API key") from None


def undecryptable_panels() -> list[str]:
    """Names of the panels whose stored API key no configured key opens (empty when all open).

    Cheap: one query and one decryption per panel. Without a database (not migrated yet, or
    unreachable) there is nothing to check and the answer is empty.
    """
    from django.db import DatabaseError

    from panels.models import Panel

    try:
        stored = list(Panel.objects.values_list("name", "api_key_encrypted"))
    except DatabaseError:
        return []
    current = _current()
    failed = []
    for name, token in stored:
        try:
            current.decrypt(token.encode())
        except InvalidToken:
            failed.append(name)
    return failed


def stored_keys_problem() -> str | None:
    """Why the configured keys cannot serve the stored panel keys, or None when they can."""
    failed = undecryptable_panels()
    if not failed:
        return None
    shown = ", ".join(repr(name) for name in failed[:10])
    more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""
    return (
        f"PANEL_KEY_ENCRYPTION_KEYS cannot decrypt the API key{pluralize(len(failed))} of "
        f"{len(failed)} panel{pluralize(len(failed))}: {shown}{more}. Put back the key they "
        "were encrypted with (the list is "
        "comma-separated; the first key encrypts, every key decrypts), or enter those "
        "panels' API keys again."
    )


def verify_stored_keys() -> None:
    """Stop a starting process when PANEL_KEY_ENCRYPTION_KEYS cannot open the stored keys."""
    problem = stored_keys_problem()
    if problem:
        raise ImproperlyConfigured(problem)
