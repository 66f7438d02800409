"""The Alerts page and a channel's form: secrets written once and never shown, the test button
with the exact error, the log with its filters, and key rotation of channel secrets."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from alerts.models import Channel, Delivery, Kind
from tests.alerts.helpers import HttpReceiver
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

TOKEN = "123456789:AAE-very-secret-token"


def add_url(channel_type: str) -> str:
    return f"{reverse('alerts:channel_add')}?type={channel_type}"


def telegram_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "My phone",
        "is_active": "on",
        "recipient": "-1001234",
        "api_base_url": "",
        "secret": TOKEN,
        "kinds": [Kind.PANEL_FAILING, Kind.BALANCE_LOW],
        "failing_minutes": "10",
        "price_rise_percent": "10",
        "hourly_cap": "10",
        "quiet_from": "",
        "quiet_until": "",
        "digest_hour": "8",
    }
    form.update(overrides)
    return form


def test_a_telegram_channel_is_added_with_its_token_encrypted_and_never_shown_again(
    logged_in: Client,
) -> None:
    response = logged_in.post(add_url("telegram"), telegram_form())

    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.type, channel.recipient, channel.kinds) == (
        "telegram",
        "-1001234",
        ["panel_failing", "balance_low"],
    )
    assert channel.secret == TOKEN
    assert TOKEN not in channel.secret_encrypted
    for url in (reverse("alerts:page"), reverse("alerts:channel_edit", args=[channel.pk])):
        page = logged_in.get(url).content.decode()
        assert TOKEN not in page
        assert "AAE-very" not in page
    assert (
        "A bot token is stored."
        in logged_in.get(reverse("alerts:channel_edit", args=[channel.pk])).content.decode()
    )


def test_saving_a_channel_without_a_new_secret_keeps_the_stored_one(logged_in: Client) -> None:
    logged_in.post(add_url("telegram"), telegram_form())
    channel = Channel.objects.get()

    response = logged_in.post(
        reverse("alerts:channel_edit", args=[channel.pk]),
        telegram_form(secret="", name="Renamed", hourly_cap="3"),
    )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.hourly_cap, channel.secret) == ("Renamed", 3, TOKEN)


def test_bad_input_gets_a_clear_message_and_nothing_is_saved(logged_in: Client) -> None:
    response = logged_in.post(
        add_url("telegram"),
        telegram_form(secret="not a token", quiet_from="22:00", digest_hour="24"),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Quiet hours need both a start and an end." in page
    assert "An hour of the day: 0 to 23." in page
    assert Channel.objects.count() == 0

    response = logged_in.post(add_url("telegram"), telegram_form(secret="not a token"))
    assert response.status_code == 400
    assert "Telegram does not accept this bot token or chat id." in response.content.decode()

    response = logged_in.post(add_url("webhook"), {"name": "Hook", "hourly_cap": "10"})
    assert response.status_code == 400
    assert "Webhook URL is needed." in response.content.decode()
    assert logged_in.get(f"{reverse('alerts:channel_add')}?type=pager").status_code == 404


def test_the_test_button_shows_success_or_the_exact_error(
    logged_in: Client, http_receiver: HttpReceiver, settings
) -> None:
    settings.PANEL_ALLOW_HTTP = settings.PANEL_ALLOW_PRIVATE_ADDRESSES = True
    channel = ChannelFactory(name="Ops hook", secret=f"{http_receiver.url}/hook")
    url = reverse("alerts:channel_test", args=[channel.pk])

    page = logged_in.post(url, follow=True).content.decode()
    assert "Test message sent to “Ops hook”." in page
    assert http_receiver.received[0].body["title"] == "Test message from the SMM dashboard"

    http_receiver.failing = True
    page = logged_in.post(url, follow=True).content.decode()
    assert "The test message to “Ops hook” failed: Failed to send JSON POST notification" in page
    assert "error=500" in page
    tests = Delivery.objects.filter(event=Delivery.Event.TEST).order_by("id")
    assert [row.status for row in tests] == ["sent", "failed"]


def test_the_log_lists_every_outcome_and_filters_by_outcome_and_channel(logged_in: Client) -> None:
    from django.utils import timezone

    ops, owner = ChannelFactory(name="Ops"), ChannelFactory(name="Owner")
    for channel, status, reason in (
        (ops, Delivery.Status.SENT, ""),
        (ops, Delivery.Status.SUPPRESSED, "Over this channel's cap of 10 messages an hour."),
        (owner, Delivery.Status.FAILED, "Failed after 4 tries: <b>boom</b>"),
    ):
        Delivery.objects.create(
            channel=channel,
            event=Delivery.Event.OPENED,
            status=status,
            reason=reason,
            title=f"{channel.name} {status}",
            created_at=timezone.now(),
        )
    page = logged_in.get(reverse("alerts:page")).content.decode()
    assert "Ops sent" in page
    assert "Ops suppressed" in page
    assert "Owner failed" in page
    assert "Failed after 4 tries: &lt;b&gt;boom&lt;/b&gt;" in page  # escaped

    page = logged_in.get(reverse("alerts:page"), {"status": "suppressed"}).content.decode()
    assert "Over this channel&#x27;s cap of 10 messages an hour." in page
    assert "Ops sent" not in page
    assert "Owner failed" not in page

    page = logged_in.get(reverse("alerts:page"), {"channel": owner.pk}).content.decode()
    assert "Owner failed" in page
    assert "Ops sent" not in page


def test_removing_a_channel_takes_its_messages_with_it(logged_in: Client) -> None:
    channel = ChannelFactory()
    response = logged_in.post(reverse("alerts:channel_delete", args=[channel.pk]))
    assert response.status_code == 302
    assert not Channel.objects.exists()


def test_rotation_re_encrypts_channel_secrets_too(settings) -> None:
    old_key = settings.PANEL_KEY_ENCRYPTION_KEYS[0]
    channel = ChannelFactory(secret="https://hooks.example/rotate-me")
    before = channel.secret_encrypted
    new_key = Fernet.generate_key().decode()
    settings.PANEL_KEY_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()

    call_command("rotate_keys", stdout=out)

    settings.PANEL_KEY_ENCRYPTION_KEYS = [new_key]
    channel.refresh_from_db()
    assert channel.secret_encrypted != before
    assert channel.secret == "https://hooks.example/rotate-me"
    assert "Re-encrypted the secret of 1 alert channel." in out.getvalue()


def test_the_log_pages_keep_their_filters(logged_in: Client) -> None:
    from django.utils import timezone

    channel = ChannelFactory(name="Ops")
    Delivery.objects.bulk_create(
        Delivery(
            channel=channel,
            event=Delivery.Event.OPENED,
            status=Delivery.Status.SENT,
            title=f"Alert {n}",
            created_at=timezone.now(),
        )
        for n in range(51)
    )

    page = logged_in.get(reverse("alerts:page"), {"status": "sent"}).content.decode()

    assert "Page 1 of 2" in page
    assert 'href="?status=sent&amp;page=2#log"' in page


def test_a_cap_of_zero_and_quiet_hours_that_end_where_they_start_are_refused(
    logged_in: Client,
) -> None:
    response = logged_in.post(
        add_url("telegram"),
        telegram_form(hourly_cap="0", quiet_from="22:00", quiet_until="22:00"),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "At least 1: a cap of 0 would suppress every message." in page
    assert "Quiet hours need an end other than their start." in page
    assert not Channel.objects.exists()


def test_the_overview_says_when_alerts_could_not_be_sent(logged_in: Client) -> None:
    from django.utils import timezone

    channel = ChannelFactory(name="Phone")
    for event, reason in (
        (Delivery.Event.OPENED, "Failed after 4 tries: Unauthorized, error=401."),
        (Delivery.Event.TEST, "a test a person already saw fail"),
    ):
        Delivery.objects.create(
            channel=channel,
            event=event,
            status=Delivery.Status.FAILED,
            reason=reason,
            title="Panel A is failing",
            created_at=timezone.now(),
        )

    page = logged_in.get(reverse("overview")).content.decode()

    assert "1 alert message</strong> could not be sent in the last 24 hours." in page
    assert "Failed after 4 tries: Unauthorized, error=401." in page
    assert f"{reverse('alerts:page')}?status=failed#log" in page
