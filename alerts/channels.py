"""A channel as Apprise sees it, and one message sent through it.

Apprise (one well-kept library for Telegram, email, Slack, Discord, JSON webhooks and a hundred
more) does the talking; this module builds its URL from a channel's fields, sends one message
within `outbound_guard`, and turns what Apprise logged into the exact error a person
can act on. Nothing here raises: a message is sent or its error is returned.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, urlencode, urlsplit

import apprise
from django.conf import settings

from alerts.guard import outbound_guard
from alerts.models import Channel
from panels import crypto

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
SMTP_MODES = {
    Channel.Security.STARTTLS: "starttls",
    Channel.Security.SSL: "ssl",
    Channel.Security.NONE: "insecure",
}
SMTP_PORTS = {Channel.Security.STARTTLS: 587, Channel.Security.SSL: 465, Channel.Security.NONE: 25}


class ChannelInvalid(ValueError):
    """The channel's fields do not make a channel Apprise can send through; says why."""


def _http_rule(url: str, what: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise ChannelInvalid(f"The {what} must be a full https:// address.")
    if scheme == "http" and not settings.PANEL_ALLOW_HTTP:
        raise ChannelInvalid(f"The {what} must use https://: plain http sends it in clear.")


def apprise_url(channel: Channel, secret: str) -> str:
    """The Apprise URL of a channel, with its secret in it. Never log or show it."""
    kind = channel.type
    if kind == Channel.Type.TELEGRAM:
        return f"tgram://{quote(secret, safe=':')}/{quote(channel.recipient.strip())}/?format=text"
    if kind == Channel.Type.EMAIL:
        return _email_url(channel, secret)
    if kind == Channel.Type.WEBHOOK:
        _http_rule(secret, "webhook URL")
        scheme, rest = secret.split("://", 1)
        return ("jsons://" if scheme.lower() == "https" else "json://") + rest
    if kind in (Channel.Type.SLACK, Channel.Type.DISCORD):
        _http_rule(secret, "webhook URL")
    return secret  # Slack and Discord webhook URLs, and Apprise URLs, are read by Apprise


def _email_url(channel: Channel, password: str) -> str:
    security = Channel.Security(channel.smtp_security or Channel.Security.STARTTLS)
    if security == Channel.Security.NONE and not settings.PANEL_ALLOW_HTTP:
        raise ChannelInvalid(
            "Plain-text SMTP is not allowed here (it sends the password in clear): "
            "choose STARTTLS or SSL/TLS."
        )
    host = channel.smtp_host.strip()
    port = channel.smtp_port or SMTP_PORTS[security]
    login = ""
    if channel.smtp_username:
        login = quote(channel.smtp_username, safe="") + ":" + quote(password, safe="") + "@"
    query = urlencode(
        {
            "smtp": host,
            "from": channel.email_from.strip(),
            "to": channel.recipient.replace(" ", ""),
            "mode": SMTP_MODES[security],
            "format": "text",
        }
    )
    return f"mailto://{login}{quote(host)}:{port}/?{query}"


def _service(channel: Channel, secret: str) -> apprise.Apprise:
    url = apprise_url(channel, secret)
    # One service, sent sequentially: the address guard follows it into Apprise's threads.
    service = apprise.Apprise.instantiate(url, asset=apprise.AppriseAsset(async_mode=False))
    if service is None:
        raise ChannelInvalid(_invalid_reason(channel))
    if channel.type == Channel.Type.APPRISE:
        _apprise_rules(service, url)
    if channel.type == Channel.Type.TELEGRAM:
        base = (channel.api_base_url or TELEGRAM_API).rstrip("/")
        _http_rule(base, "Bot API address")
        service.notify_url = f"{base}/bot"  # type: ignore[attr-defined]
    sender = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
    sender.add(service)
    return sender


# Apprise services that connect outside requests and smtplib (UDP syslog, local desktops,
# message brokers, USB): the address guard cannot watch them, so they are not offered.
UNGUARDED = frozenset(
    {"aprs", "blink1", "dbus", "glib", "gnome", "growl", "macosx", "mqtt", "rsyslog", "smpp"}
    | {"syslog", "windows"}
)


def _apprise_rules(service: object, url: str) -> None:
    """An Apprise URL keeps the panels' rules: connections the guard sees, https unless
    plain http is allowed."""
    scheme = urlsplit(url).scheme.lower()
    if type(service).__module__.rsplit(".", 1)[-1] in UNGUARDED:
        raise ChannelInvalid(
            f"{scheme}:// is not available here: it connects outside the HTTP and email "
            "connections whose addresses alerts check."
        )
    plain = getattr(service, "protocol", None)
    secure = getattr(service, "secure_protocol", None)
    plain_schemes = {plain} if isinstance(plain, str) else set(plain or ())
    if secure and scheme in plain_schemes and not settings.PANEL_ALLOW_HTTP:
        secure_scheme = secure if isinstance(secure, str) else secure[0]
        raise ChannelInvalid(
            f"{scheme}:// sends in plain text, secrets included: use {secure_scheme}:// instead."
        )


def _invalid_reason(channel: Channel) -> str:
    return {
        Channel.Type.TELEGRAM: "Telegram does not accept this bot token or chat id.",
        Channel.Type.EMAIL: "These email settings are incomplete: the SMTP server, the sender "
        "and at least one recipient are needed.",
        Channel.Type.SLACK: "This is not a Slack webhook URL (https://hooks.slack.com/...).",
        Channel.Type.DISCORD: "This is not a Discord webhook URL "
        "(https://discord.com/api/webhooks/...).",
        Channel.Type.WEBHOOK: "This webhook URL cannot be used.",
        Channel.Type.APPRISE: "Apprise does not know this URL.",
    }[Channel.Type(channel.type)]


def check_channel(channel: Channel, secret: str) -> None:
    """Raise ChannelInvalid if the channel could not send a message (nothing is sent)."""
    _service(channel, secret)


def send(channel: Channel, *, title: str, body: str) -> str | None:
    """Send one message; None when the service took it, else the error in plain words."""
    try:
        secret = channel.secret
        sender = _service(channel, secret)
    except crypto.UndecryptableKey:
        return "The channel's secret cannot be decrypted with the configured keys; enter it again."
    except ChannelInvalid as exc:
        return str(exc)
    with outbound_guard(allow_private=settings.PANEL_ALLOW_PRIVATE_ADDRESSES) as refusals:
        try:
            result = sender.notify(
                body=body, title=title, body_format=apprise.NotifyFormat.TEXT, log_level=10
            )
        except Exception as exc:  # a plugin's own bug must not take the worker down
            logger.exception("sending through channel %s raised", channel.pk)
            return f"The message could not be sent: {type(exc).__name__}."
    if result:
        return None
    if refusals:
        return f"Refused: {refusals[0]}. Alerts are sent only to public addresses here."
    return scrub(_error_text(result), secret)


# The reason inside a requests/urllib3 connection error: "[Errno 111] Connection refused".
_ERRNO = re.compile(r"\[Errno -?\d+\][^\"')]*")


def _error_text(result: object) -> str:
    """What Apprise logged about the failure: its warnings and errors, and the socket's reason.
    Apprise logs at DEBUG only into this result (settings.LOGGING keeps its logger to itself):
    its debug lines carry URLs with tokens."""
    lines: list[str] = []
    for entry in result.logs():  # type: ignore[attr-defined]
        if entry.level in ("WARNING", "ERROR"):
            lines.append(entry.message)
        elif entry.level == "DEBUG" and (errno := _ERRNO.search(entry.message)):
            lines.append(errno.group(0).strip() + ".")
    text = " ".join(dict.fromkeys(lines))
    return text[:480] or "The service did not accept the message."


def scrub(text: str, secret: str) -> str:
    """The text without the channel's secret, as typed or URL-quoted."""
    for shown in {secret, quote(secret, safe=""), quote(secret, safe=":/")} - {""}:
        text = text.replace(shown, "•••")
    return text
