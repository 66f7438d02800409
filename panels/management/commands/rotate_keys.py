from typing import Any

from django.core.management.base import BaseCommand, CommandError

from panels import crypto
from panels.services import panel_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every panel API key under the first key in PANEL_KEY_ENCRYPTION_KEYS. "
        "Put the new key first, restart, run this, then remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = crypto.undecryptable_panels()
        if failed:
            # Rotating would fail half way; say which panels need the old key back first.
            raise CommandError(
                "Nothing rotated: no configured key decrypts the API keys of "
                + ", ".join(repr(name) for name in failed)
                + ". Add the key they were encrypted with to PANEL_KEY_ENCRYPTION_KEYS."
            )
        count = panel_keys_rotate()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the API keys of {count} panel(s)."))
