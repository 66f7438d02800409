"""Panel API keys are encrypted at rest, shown masked, and survive a key rotation."""

from functools import partial

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from panels import crypto
from panels.models import Panel
from tests.factories import PanelFactory

SECRET = "live-api-key-7c2e91d04b5f"
make_panel = partial(PanelFactory, name="Alpha", api_key=SECRET)


def raw_row(panel: Panel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM panels_panel WHERE id = %s", [panel.pk])
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.mark.django_db
def test_the_api_key_is_not_readable_in_the_database_row():
    panel = make_panel()

    assert SECRET not in raw_row(panel)
    assert Panel.objects.get(pk=panel.pk).api_key == SECRET


@pytest.mark.django_db
def test_the_same_key_encrypts_differently_each_time():
    first, second = make_panel(name="A"), make_panel(name="B")

    assert first.api_key_encrypted != second.api_key_encrypted


@pytest.mark.django_db
def test_the_key_is_shown_masked():
    panel = make_panel()

    assert panel.masked_api_key == "••••" + SECRET[-4:]
    assert SECRET not in panel.masked_api_key
    assert SECRET not in repr(panel)
    assert SECRET not in str(panel)
    assert make_panel(name="Short", api_key="abc123").masked_api_key == "••••••••"


@pytest.mark.django_db
def test_rotation_re_encrypts_every_key_under_the_new_encryption_key(settings):
    old_key = settings.PANEL_KEY_ENCRYPTION_KEYS[0]
    panels = [make_panel(name="A"), make_panel(name="B", api_key="another-key-000000001")]
    before = {p.pk: p.api_key_encrypted for p in panels}
    new_key = Fernet.generate_key().decode()
    settings.PANEL_KEY_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_keys", verbosity=0)

    settings.PANEL_KEY_ENCRYPTION_KEYS = [new_key]  # the old key is gone now
    for panel in Panel.objects.all():
        assert panel.api_key_encrypted != before[panel.pk]
        assert panel.api_key in {SECRET, "another-key-000000001"}


@pytest.mark.django_db
def test_without_rotation_dropping_the_old_key_makes_keys_unreadable(settings):
    panel = make_panel()
    settings.PANEL_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(crypto.UndecryptableKey):
        _ = Panel.objects.get(pk=panel.pk).api_key
    assert Panel.objects.get(pk=panel.pk).masked_api_key == "(cannot be decrypted)"
