"""System checks: `runserver`, `migrate` and `check` refuse to start with keys that do not open
the stored panel API keys (gunicorn and Celery check the same in dashboard.wsgi/celery)."""

from typing import Any

from django.core.checks import CheckMessage, Error, register

from panels import crypto


@register()
def stored_keys_decrypt(**kwargs: Any) -> list[CheckMessage]:
    failed = crypto.undecryptable_panels()
    if not failed:
        return []
    return [
        Error(
            "PANEL_KEY_ENCRYPTION_KEYS cannot decrypt the API keys of: "
            + ", ".join(repr(name) for name in failed),
            hint="Put back the key they were encrypted with (comma-separated; the first "
            "encrypts, every key decrypts), or enter those panels' API keys again.",
            id="panels.E001",
        )
    ]
