from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from alerts.services.secrets import channel_secrets_rotate
from panels import stored_keys
from panels.services import panel_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every panel API key and alert channel secret under the first key in "
        "PANEL_KEY_ENCRYPTION_KEYS. Put the new key first, restart, run this, then remove the "
        "old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = stored_keys.stored_keys_problem()
        if problem:
            raise CommandError(f"Nothing rotated: {problem}")  # it would fail half way
        count = panel_keys_rotate()
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted the API key{pluralize(count)} of {count} panel{pluralize(count)}."
            )
        )
        rotated, lost = channel_secrets_rotate()
        if rotated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Re-encrypted the secret{pluralize(rotated)} of {rotated} alert "
                    f"channel{pluralize(rotated)}."
                )
            )
        if lost:
            names = ", ".join(repr(name) for name in lost)
            self.stdout.write(
                self.style.WARNING(
                    f"No configured key opens the secret of {names}: enter it again on the "
                    "channel's page (its messages fail until then)."
                )
            )
