"""Alerts: where messages go (Channel), what is wrong now (Condition), and every message's fate
(Delivery, the alert log).

A condition is found by the periodic check (`alerts.services.check`) and stays open until the
check no longer finds it. Each channel hears of it once when it opens (if the channel wants that
kind, past the channel's threshold) and once when it is resolved. Every message, sent or not, is
a Delivery row: sent, failed (with the error), suppressed (with the reason) or held for a
digest or the end of quiet hours.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from panels import crypto


class Kind(models.TextChoices):
    """What is worth a message. Each channel turns each on or off (the form says each in full:
    alerts.forms.KIND_CHOICES)."""

    BALANCE_LOW = "balance_low", "Balance low"
    PANEL_FAILING = "panel_failing", "Panel failing"
    UNKNOWN_OUTCOME = "unknown_outcome", "Unknown outcome"
    STUCK = "stuck", "Stuck orders"
    BALANCE_UNEXPLAINED = "balance_unexplained", "Balance off"
    PRICE_RISE = "price_rise", "Price rise"
    SERVICE_GONE = "service_gone", "Service gone"
    WORK_FAILED = "work_failed", "Bulk or upload failures"


# Kinds that are events, not states: they are told once and never "resolved" (a price rise
# does not end; a finished bulk action stays finished). They close quietly when they age out.
EVENT_KINDS = frozenset({Kind.PRICE_RISE, Kind.WORK_FAILED})


class Channel(models.Model):
    class Type(models.TextChoices):
        TELEGRAM = "telegram", "Telegram"
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack webhook"
        DISCORD = "discord", "Discord webhook"
        WEBHOOK = "webhook", "JSON webhook"
        APPRISE = "apprise", "Other (Apprise URL)"

    class Security(models.TextChoices):
        STARTTLS = "starttls", "STARTTLS"
        SSL = "ssl", "SSL/TLS"
        NONE = "none", "None (plain text)"

    name = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=10, choices=Type.choices)
    is_active = models.BooleanField(default=True)
    # The one secret of the channel's type (bot token, SMTP password, webhook or Apprise URL),
    # encrypted like panel keys; never shown again after it is saved.
    secret_encrypted = models.TextField(blank=True, editable=False)
    # Telegram: the chat id; email: the addresses messages go to (comma separated).
    recipient = models.CharField(max_length=500, blank=True)
    # Telegram's Bot API address (another one for a local Bot API server or a test receiver).
    api_base_url = models.CharField(max_length=300, blank=True, default="")
    smtp_host = models.CharField(max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(null=True, blank=True)
    smtp_security = models.CharField(
        max_length=8, choices=Security.choices, default=Security.STARTTLS, blank=True
    )
    smtp_username = models.CharField(max_length=255, blank=True)
    email_from = models.CharField(max_length=255, blank=True)

    kinds = models.JSONField(default=list, blank=True)  # Kind values this channel is told of
    failing_minutes = models.PositiveIntegerField(default=10)
    price_rise_percent = models.DecimalField(max_digits=7, decimal_places=2, default=10)
    hourly_cap = models.PositiveIntegerField(default=10)
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    digest = models.BooleanField(default=False)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    last_digest_on = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted) if self.secret_encrypted else ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value.strip()) if value.strip() else ""

    def wants(self, kind: str) -> bool:
        return kind in self.kinds


class Condition(models.Model):
    """Something wrong, from when the check first found it until it no longer does."""

    key = models.CharField(max_length=200)  # kind and subject: "panel_failing:panel:12"
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)  # the page that resolves it
    # When the trouble began (a panel's failing_since); thresholds in minutes count from here.
    since = models.DateTimeField()
    # A figure channels' thresholds compare (a price rise in percent), where one applies.
    measure = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    opened_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # One open condition per key: a panel failing again opens a new row, later.
            models.UniqueConstraint(
                fields=["key"], condition=Q(resolved_at__isnull=True), name="condition_open_key"
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "kind"], name="condition_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_event(self) -> bool:
        return self.kind in EVENT_KINDS


class Delivery(models.Model):
    """One message to one channel, and what became of it: the alert log."""

    class Event(models.TextChoices):
        OPENED = "opened", "Alert"
        RESOLVED = "resolved", "Resolved"
        TEST = "test", "Test message"
        SUMMARY = "summary", "Summary"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"
        HELD = "held", "Held"
        BUNDLED = "bundled", "Sent in a summary"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    event = models.CharField(max_length=10, choices=Event.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=500, blank=True)  # why suppressed, held or failed
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The summary a held message went out in.
    summary = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="bundled"
    )
    created_at = models.DateTimeField()
    # When its task was last queued (or its next try is due) and when a task last claimed it:
    # a later check queues again only what no task has taken for a while (alerts.services.check).
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["channel", "status", "created_at"], name="delivery_channel"),
            models.Index(fields=["-created_at", "-id"], name="delivery_created"),
            models.Index(fields=["condition", "channel"], name="delivery_condition"),
            models.Index(
                fields=["queued_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="delivery_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} to {self.channel_id}: {self.title}"


# Messages that count against a channel's hourly cap: each went out or was tried.
COUNTED_STATUSES = (
    Delivery.Status.QUEUED,
    Delivery.Status.SENDING,
    Delivery.Status.SENT,
    Delivery.Status.FAILED,
)
