"""Channel secrets under a new encryption key (`manage.py rotate_keys`)."""

from __future__ import annotations

from django.db import transaction

from alerts.models import Channel
from panels import crypto


def channel_secrets_rotate() -> tuple[int, list[str]]:
    """Re-encrypt every channel's secret under the first configured key. Returns how many
    were, and the names of channels whose secret no configured key opens (left as they are)."""
    rotated, lost = 0, []
    with transaction.atomic():
        rows = Channel.objects.select_for_update().exclude(secret_encrypted="")
        for channel in rows.only("pk", "name", "secret_encrypted"):
            try:
                token = crypto.rotate(channel.secret_encrypted)
            except crypto.UndecryptableKey:
                lost.append(channel.name)
                continue
            Channel.objects.filter(pk=channel.pk).update(secret_encrypted=token)
            rotated += 1
    return rotated, lost
