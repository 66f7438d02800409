"""Panels (credentials, health, request options) and their synced service catalog."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models

from panels import crypto
from panels.api.client import PanelClient
from panels.api.options import DEFAULT_USER_AGENT, ClientOptions
from panels.api.order_types import ORDER_TYPES
from panels.matching.keys import match_key
from panels.netpolicy import network_options, validate_panel_url

ORDER_TYPE_CHOICES = [(t.key, t.label) for t in ORDER_TYPES.values()]

# Money columns: panels quote rates like "0.00100000"; 12 places keeps every digit seen.
MONEY_DIGITS, MONEY_PLACES = 24, 12


def money_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


class Panel(models.Model):
    class Health(models.TextChoices):
        UNKNOWN = "unknown", "Not checked yet"
        OK = "ok", "OK"
        FAILING = "failing", "Failing"

    class Method(models.TextChoices):
        POST = "POST", "POST"
        GET = "GET", "GET"

    class Body(models.TextChoices):
        FORM = "form", "Form-encoded"
        JSON = "json", "JSON"

    name = models.CharField(max_length=100, unique=True)
    api_url = models.URLField(
        "API URL",
        max_length=500,
        help_text="The full endpoint, e.g. https://panel.example/api/v2",
        validators=[validate_panel_url],
    )
    api_key_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(default=True)

    currency = models.CharField(max_length=10, blank=True)
    balance = money_field(null=True, blank=True)
    balance_checked_at = models.DateTimeField(null=True, blank=True)
    catalog_synced_at = models.DateTimeField(null=True, blank=True)

    health = models.CharField(max_length=10, choices=Health.choices, default=Health.UNKNOWN)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    # Request options, for the few panels that differ from the common API v2 call.
    http_method = models.CharField(max_length=4, choices=Method.choices, default=Method.POST)
    key_field = models.CharField(
        max_length=40, default="key", help_text="Name of the API key field (key, api_token...)"
    )
    body_format = models.CharField(max_length=4, choices=Body.choices, default=Body.FORM)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    timeout_seconds = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1)]
    )
    # Learnt from the panel: some (seed 000 and 003) have no cancel action at all.
    supports_cancel = models.BooleanField(
        default=True, help_text="Cleared when the panel answers that it has no cancel action."
    )
    low_balance_threshold = money_field(
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Flag the panel when its balance falls to this (its own currency). "
        "Empty: the site-wide LOW_BALANCE_THRESHOLD.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted)

    @api_key.setter
    def api_key(self, value: str) -> None:
        self.api_key_encrypted = crypto.encrypt(value.strip())

    @property
    def masked_api_key(self) -> str:
        """Enough to recognise a key, never enough to use it."""
        if not self.api_key_encrypted:
            return ""
        try:
            key = self.api_key
        except crypto.UndecryptableKey:
            return "(cannot be decrypted)"
        return f"••••{key[-4:]}" if len(key) >= 16 else "••••••••"

    @property
    def balance_threshold(self) -> Decimal:
        if self.low_balance_threshold is not None:
            return self.low_balance_threshold
        from django.conf import settings

        return Decimal(settings.LOW_BALANCE_THRESHOLD)

    @property
    def is_low_on_balance(self) -> bool:
        return self.balance is not None and self.balance <= self.balance_threshold

    def client_options(self, **overrides: object) -> ClientOptions:
        from django.conf import settings

        values: dict[str, object] = {
            "method": self.http_method,
            "key_field": self.key_field or "key",
            "body": self.body_format,
            "user_agent": self.user_agent or DEFAULT_USER_AGENT,
            "timeout": float(self.timeout_seconds),
            "retries": settings.PANEL_HTTP_RETRIES,
            "backoff": settings.PANEL_HTTP_BACKOFF,
            **network_options(),
        }
        values.update(overrides)
        return ClientOptions(**values)  # type: ignore[arg-type]

    def client(self, **overrides: object) -> PanelClient:
        return PanelClient(self.api_url, self.api_key, self.client_options(**overrides))


LISTED = models.Q(is_active=True)


class Service(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="services")
    remote_id = models.CharField(max_length=100)
    name = models.CharField(max_length=500)
    type = models.CharField(max_length=40, choices=ORDER_TYPE_CHOICES, default="default")
    raw_type = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=300, blank=True)
    rate = money_field(help_text="Price per 1000 (per package for flat types)")
    min_quantity = models.PositiveBigIntegerField(default=0)
    max_quantity = models.PositiveBigIntegerField(default=0)
    refill = models.BooleanField(default=False)
    cancel = models.BooleanField(default=False)
    dripfeed = models.BooleanField(default=False)
    refill_days = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Still listed by the panel")
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    raw = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # How panels.matching reads the service (platform|kind|type|audience), kept at sync time so
    # that finding the same offer on other panels is one indexed lookup; empty: unrecognised.
    match_key = models.CharField(max_length=200, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["panel", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "remote_id"], name="service_unique_remote_id")
        ]
        indexes = [
            models.Index(fields=["panel", "is_active", "category"], name="service_panel_active"),
            models.Index(fields=["type", "is_active"], name="service_type_active"),
            models.Index(fields=["category"], name="service_category"),
            # The catalog browser's sorts (panels.selectors.catalog.SORTS), over listed services:
            # its first page, and its last pages read backwards, without sorting the catalog.
            *(
                models.Index(fields=[*order, "id"], condition=LISTED, name=f"service_by_{name}")
                for name, order in (
                    ("name", ["name"]),
                    ("rate", ["rate", "name"]),
                    ("rate_desc", ["-rate", "name"]),
                    ("min", ["min_quantity", "rate"]),
                    ("min_desc", ["-min_quantity", "rate"]),
                    ("max", ["max_quantity", "rate"]),
                    ("max_desc", ["-max_quantity", "rate"]),
                )
            ),
            # Search by the panel's service id, whatever the panel (names: a trigram index on
            # PostgreSQL, migration 0011).
            models.Index(fields=["remote_id"], name="service_remote_id"),
            # The browser's count of listed services by panel, type and flags, read from the
            # index alone: a tenth of the table's pages, which carry descriptions and raw entries.
            models.Index(
                fields=["panel", "type", "refill", "cancel", "dripfeed"],
                condition=LISTED,
                name="service_listed_flags",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panel.name} #{self.remote_id} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Catalog sync sets it in bulk; single saves (admin, tests, fixtures) keep it right too.
        self.match_key = match_key(name=self.name, category=self.category, type=self.type)
        super().save(*args, **kwargs)


class CatalogSync(models.Model):
    """One run of a panel's catalog sync, so people can watch it and see what it did."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        BUTTON = "button", "Sync button"
        COMMAND = "command", "Management command"
        ORDER = "order", "A rejected order (unknown service)"

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="catalog_syncs")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    trigger = models.CharField(max_length=8, choices=Trigger.choices, default=Trigger.SCHEDULE)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    services_seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    reactivated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Why entries of the panel's answer were set aside (or kept with a value read as unknown),
    # in plain words, the first 50; `skipped` counts every entry set aside.
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["panel", "-created_at"], name="catalogsync_panel_created")]

    def __str__(self) -> str:
        return f"Catalog sync of {self.panel_id} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def summary(self) -> str:
        """One line on what the run did: "Catalog synced: 1,203 services; 2 set aside: ..."."""
        if self.state == self.State.FAILED:
            return f"Catalog sync failed: {self.error}" if self.error else "Catalog sync failed"
        if self.state != self.State.DONE:
            return "Catalog sync in progress"
        text = f"Catalog synced: {self.services_seen:,} service{'s' * (self.services_seen != 1)}"
        if self.skipped:
            text += f"; {self.skipped:,} set aside"
        if self.notes:
            shown = "; ".join(str(note) for note in self.notes[:3])
            more = len(self.notes) > 3 or self.skipped > len(self.notes)
            text += f": {shown}{'; ...' if more else ''}" if self.skipped else f" ({shown})"
        return text


class CatalogEvent(models.Model):
    """What changed in a panel's catalog between two syncs."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        REMOVED = "removed", "Removed"
        REACTIVATED = "reactivated", "Back again"
        RATE_CHANGED = "rate_changed", "Price changed"
        LIMITS_CHANGED = "limits_changed", "Min/max changed"
        FLAGS_CHANGED = "flags_changed", "Refill/cancel changed"

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="catalog_events")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="events")
    sync = models.ForeignKey(
        CatalogSync, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    old_rate = money_field(null=True, blank=True)
    new_rate = money_field(null=True, blank=True)
    # Relative price change, for "price rises first" ordering; null when not a price change.
    rate_change = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # {"field": [old, new], ...} for limits and flags
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at"], name="catalogevent_created"),
            models.Index(fields=["service", "-created_at"], name="catalogevent_service"),
            models.Index(fields=["panel", "-created_at"], name="catalogevent_panel"),
            models.Index(fields=["kind", "-created_at"], name="catalogevent_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.service_id}"


class BalanceReading(models.Model):
    """One balance the panel answered, kept: two in a row say how much the balance moved, which
    the ledger checks against the orders' charges, refunds and top-ups in between."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="balance_readings")
    amount = money_field()
    currency = models.CharField(max_length=10, blank=True)
    read_at = models.DateTimeField()

    class Meta:
        ordering = ["panel", "read_at", "id"]
        indexes = [models.Index(fields=["panel", "read_at"], name="balancereading_panel_read")]

    def __str__(self) -> str:
        return f"{self.panel_id}: {self.amount} {self.currency} at {self.read_at:%Y-%m-%d %H:%M:%S}"


class MatchVerdict(models.Model):
    """A person's word on how the matcher read a service: it is the offer its key names
    (confirmed) or it is not (split: never compared or routed as that offer). It holds only
    while the service's key is still `key`: a sync that reads the service differently (a
    renamed service, say) leaves the verdict behind, and the matcher's reading stands again."""

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        SPLIT = "split", "Split"

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="verdict")
    key = models.CharField(max_length=200)  # the match key the person judged
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.service_id}: {self.verdict} as {self.key}"
