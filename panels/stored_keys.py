"""Whether the configured encryption keys open every stored panel key: processes check at
start (`verify_stored_keys`), and `manage.py check` and `rotate_keys` say which panels fail."""

from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.template.defaultfilters import pluralize

from panels.crypto import current_fernet
from panels.models import Panel


def undecryptable_panels() -> list[str]:
    """Names of the panels whose stored API key no configured key opens (empty when all open).

    Cheap: one query and one decryption per panel. Without a database (not migrated yet, or
    unreachable) there is nothing to check and the answer is empty.
    """
    try:
        stored = list(Panel.objects.values_list("name", "api_key_encrypted"))
    except DatabaseError:
        return []
    current = current_fernet()
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
