"""Each channel type sends through Apprise to a real local receiver, exactly the message; a
receiver that fails is retried and then logged as failed with its error; private addresses
are refused unless allowed; secrets stay encrypted and out of every error."""

from __future__ import annotations

import pytest

from alerts.models import Channel, Delivery
from alerts.services.channels import channel_test
from alerts.services.send import delivery_send
from tests.alerts.helpers import HttpReceiver, SmtpReceiver, closed_port_url, text_of
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

TOKEN = "123456789:AAE-secret_token-value"


def queued(
    channel: Channel, *, title: str = "Panel A is failing", body: str = "Since 03:00."
) -> Delivery:
    from django.utils import timezone

    return Delivery.objects.create(
        channel=channel,
        event=Delivery.Event.OPENED,
        status=Delivery.Status.QUEUED,
        title=title,
        body=body,
        created_at=timezone.now(),
    )


def email_channel(
    smtp: SmtpReceiver, *, host: str = "127.0.0.1", recipient: str = "me@reseller.example"
) -> Channel:
    """Plain SMTP without a login to the local receiver."""
    return ChannelFactory(
        type=Channel.Type.EMAIL,
        secret="",
        smtp_host=host,
        smtp_port=smtp.port,
        smtp_security=Channel.Security.NONE,
        email_from="alerts@reseller.example",
        recipient=recipient,
    )


def test_a_telegram_channel_posts_to_the_bot_api_at_its_base_url(
    local_network: None, http_receiver: HttpReceiver
) -> None:
    channel = ChannelFactory(
        type=Channel.Type.TELEGRAM,
        secret=TOKEN,
        recipient="-100200300",
        api_base_url=http_receiver.url,
    )
    delivery = queued(channel, title="Panel <b>A</b> is failing", body="Since 03:00 & counting.")

    assert delivery_send(delivery_id=delivery.pk).sent

    [request] = http_receiver.received
    assert request.path == f"/bot{TOKEN}/sendMessage"
    assert str(request.body["chat_id"]) == "-100200300"
    # The panel's words are escaped in Telegram's HTML mode: shown as written, never as markup.
    assert request.body["parse_mode"] == "HTML"
    assert request.body["text"] == (
        "<b>Panel &lt;b&gt;A&lt;/b&gt; is failing</b>\r\nSince 03:00 &amp; counting."
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.reason) == (Delivery.Status.SENT, 1, "")


def test_a_json_webhook_receives_title_and_message(
    local_network: None, http_receiver: HttpReceiver
) -> None:
    channel = ChannelFactory(secret=f"{http_receiver.url}/hooks/alerts?k=1")
    delivery = queued(channel, title="3 orders stuck", body="On Panel B.")

    assert delivery_send(delivery_id=delivery.pk).sent

    [request] = http_receiver.received
    assert request.path.startswith("/hooks/alerts")
    assert (request.body["title"], request.body["message"]) == ("3 orders stuck", "On Panel B.")


def test_an_email_channel_delivers_to_an_smtp_server(
    local_network: None, smtp_receiver: SmtpReceiver
) -> None:
    channel = email_channel(
        smtp_receiver, recipient="me@reseller.example, partner@reseller.example"
    )
    delivery = queued(channel, title="Balance low on Panel C", body="Balance 3.20 USD.")

    assert delivery_send(delivery_id=delivery.pk).sent

    # One email per address, each from the channel's sender, with the alert as its subject.
    assert sorted(r for rcpts in smtp_receiver.handler.recipients for r in rcpts) == [
        "me@reseller.example",
        "partner@reseller.example",
    ]
    for message in smtp_receiver.messages:
        assert message["Subject"] == "Balance low on Panel C"
        assert "alerts@reseller.example" in message["From"]
        assert "Balance 3.20 USD." in text_of(message)


def test_a_receiver_answering_500_is_retried_then_logged_as_failed(
    local_network: None, http_receiver: HttpReceiver, settings
) -> None:
    settings.ALERTS_SEND_ATTEMPTS = 3
    http_receiver.failing = True
    delivery = queued(ChannelFactory(secret=f"{http_receiver.url}/hook"))

    first = delivery_send(delivery_id=delivery.pk)
    assert (first.sent, first.retry_in) == (False, 0)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED
    assert delivery.reason.startswith("Try 1 failed, trying again in 0 s: ")
    assert delivery_send(delivery_id=delivery.pk).retry_in == 0
    last = delivery_send(delivery_id=delivery.pk)
    assert (last.sent, last.retry_in) == (False, None)

    assert len(http_receiver.received) == 3
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 3
    assert delivery.reason.startswith("Failed after 3 tries: ")
    assert "error=500" in delivery.reason
    # Failed is final: another task for it sends nothing.
    assert delivery_send(delivery_id=delivery.pk).error == "not queued"
    assert len(http_receiver.received) == 3


def test_the_retry_backoff_doubles(settings) -> None:
    from alerts.services.send import retry_delay

    settings.ALERTS_RETRY_BACKOFF = 30
    assert [retry_delay(attempt) for attempt in (1, 2, 3)] == [30, 60, 120]


def test_a_receiver_that_is_down_fails_with_the_connection_error(local_network: None) -> None:
    channel = ChannelFactory(secret=f"{closed_port_url()}/hook")

    delivery = channel_test(channel=channel)

    assert delivery.status == Delivery.Status.FAILED
    assert "Connection error" in delivery.reason or "connection error" in delivery.reason
    assert "Connection refused" in delivery.reason


def test_private_addresses_are_refused_unless_the_deployment_allows_them(
    http_receiver: HttpReceiver, settings
) -> None:
    settings.PANEL_ALLOW_HTTP = True
    settings.PANEL_ALLOW_PRIVATE_ADDRESSES = False
    channel = ChannelFactory(secret=f"{http_receiver.url}/hook")

    delivery = channel_test(channel=channel)

    assert delivery.status == Delivery.Status.FAILED
    assert delivery.reason == (
        "Refused: 127.0.0.1 resolves to 127.0.0.1: a private or local network address. "
        "Alerts are sent only to public addresses here."
    )
    assert http_receiver.received == []


def test_an_smtp_server_on_a_private_address_is_refused_too(
    smtp_receiver: SmtpReceiver, settings
) -> None:
    settings.PANEL_ALLOW_HTTP = True
    settings.PANEL_ALLOW_PRIVATE_ADDRESSES = False
    channel = email_channel(smtp_receiver, host="localhost")

    delivery = channel_test(channel=channel)

    assert delivery.status == Delivery.Status.FAILED
    assert delivery.reason.startswith("Refused: localhost resolves to ")
    assert smtp_receiver.messages == []


def test_plain_http_is_refused_unless_allowed(http_receiver: HttpReceiver, settings) -> None:
    settings.PANEL_ALLOW_HTTP = False
    settings.PANEL_ALLOW_PRIVATE_ADDRESSES = True
    delivery = channel_test(channel=ChannelFactory(secret=f"{http_receiver.url}/hook"))

    assert delivery.status == Delivery.Status.FAILED
    assert "must use https://" in delivery.reason
    assert http_receiver.received == []


def test_the_secret_is_stored_encrypted_and_kept_out_of_errors(
    local_network: None, http_receiver: HttpReceiver
) -> None:
    http_receiver.failing = True  # its error names the path, bot token included
    channel = ChannelFactory(
        type=Channel.Type.TELEGRAM, secret=TOKEN, recipient="42", api_base_url=http_receiver.url
    )

    assert TOKEN not in channel.secret_encrypted
    assert Channel.objects.get(pk=channel.pk).secret == TOKEN
    delivery = channel_test(channel=channel)

    assert delivery.status == Delivery.Status.FAILED
    assert delivery.reason == (
        "Failed to send Telegram notification to 42: Internal Server Error at /bot•••/sendMessage, "
        "error=500."
    )


def test_a_down_telegram_api_fails_without_the_token_in_the_error(local_network: None) -> None:
    channel = ChannelFactory(
        type=Channel.Type.TELEGRAM, secret=TOKEN, recipient="42", api_base_url=closed_port_url()
    )

    delivery = channel_test(channel=channel)

    assert "Connection refused" in delivery.reason
    assert "AAE-secret" not in delivery.reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "rsyslog://127.0.0.1:514",
            "rsyslog:// is not available here: it connects outside the HTTP and email "
            "connections whose addresses alerts check.",
        ),
        (
            "json://hooks.example/alerts",
            "json:// sends in plain text, secrets included: use jsons:// instead.",
        ),
    ],
)
def test_apprise_urls_keep_the_address_and_https_rules(url: str, reason: str, settings) -> None:
    settings.PANEL_ALLOW_HTTP = False
    delivery = channel_test(channel=ChannelFactory(type=Channel.Type.APPRISE, secret=url))

    assert (delivery.status, delivery.reason) == (Delivery.Status.FAILED, reason)


def test_an_apprise_url_reaches_its_service(
    local_network: None, http_receiver: HttpReceiver
) -> None:
    host = http_receiver.url.removeprefix("http://")
    channel = ChannelFactory(type=Channel.Type.APPRISE, secret=f"json://{host}/apprise")

    assert channel_test(channel=channel).status == Delivery.Status.SENT
    assert http_receiver.received[0].path == "/apprise"
