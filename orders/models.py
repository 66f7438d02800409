"""Orders and refills.

An order has two lifecycles in two fields: `state` is ours (has it been sent, did the panel
take it), `status` is the panel's (pending, in progress, completed...). They are never mixed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from orders.links import target_key
from orders.list_indexes import LIST_INDEXES
from panels.api.normalise import RefillStatus, Status
from panels.models import ORDER_TYPE_CHOICES, Panel, Service, money_field

STATUS_CHOICES = [(s, s.replace("_", " ").capitalize()) for s in Status.ALL]
# The statuses of an order still being delivered, that can be stuck (not a subscription's).
RUNNING = frozenset({Status.PENDING, Status.IN_PROGRESS, Status.PROCESSING})
REFILL_STATUS_CHOICES = [(s, s.replace("_", " ").capitalize()) for s in RefillStatus.ALL]


class RemainsReplacement(models.TextChoices):
    ASKED = "asked", "Cancel taken; the remains are re-placed once the panel confirms"
    DONE = "done", "Remains re-placed"
    NOT_DONE = "not_done", "Remains not re-placed"


class Order(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SUBMITTING = "submitting", "Submitting"
        PLACED = "placed", "Placed"
        REJECTED = "rejected", "Rejected"
        UNKNOWN = "unknown", "Outcome unknown"
        NOT_PLACED = "not_placed", "Not placed"

    class Source(models.TextChoices):
        FORM = "form", "Order form"
        CSV = "csv", "CSV upload"
        MASS = "mass", "Mass-order text"
        ADMIN = "admin", "Admin"
        COMMAND = "command", "Management command"

    # Our own reference, unique per attempt: the guard against placing one request twice.
    client_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="orders")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="orders")
    order_type = models.CharField(max_length=40, choices=ORDER_TYPE_CHOICES, default="default")

    link = models.CharField(max_length=2000, blank=True)
    # The link (or a subscription's username) normalised for comparing: one target, one key
    # (orders.links.target_key). Set on every save; the link itself is sent as typed.
    link_key = models.CharField(max_length=300, blank=True, default="")
    quantity = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Per run for drip-feed orders"
    )
    runs = models.PositiveIntegerField(null=True, blank=True)
    interval = models.PositiveIntegerField(null=True, blank=True, help_text="Minutes")
    # The type's other fields (comments, usernames, hashtag, min/max/posts/delay...) and any
    # extra fields a user passes through, exactly as they are sent to the panel.
    params = models.JSONField(default=dict, blank=True)

    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, blank=True)
    status_raw = models.CharField(max_length=100, blank=True)
    # NULL until placed, so the per-panel uniqueness below ignores unplaced orders.
    remote_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    charge = money_field(null=True, blank=True)
    start_count = models.BigIntegerField(null=True, blank=True)
    remains = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=10, blank=True)
    estimated_cost = money_field(null=True, blank=True)
    # What the panel owes back for what it did not deliver, by its own numbers (charge ×
    # remains / quantity, unless it lowered the charge itself), in the order's currency; set
    # when the order ends partial or canceled, with the moment the status sync saw it.
    refund = money_field(null=True, blank=True)
    refund_seen_at = models.DateTimeField(null=True, blank=True)
    # What the customer paid for it, in the base currency, and who the customer is.
    sale_price = money_field(null=True, blank=True)
    customer_ref = models.CharField(max_length=200, blank=True)

    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    status_checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    last_error = models.TextField(blank=True)
    error_reason = models.CharField(max_length=40, blank=True)
    # The panel's answer to `add`, as text (capped), kept before it is read: shown escaped.
    add_answer = models.TextField(blank=True)
    # An order id the panel sent after the order had moved on (marked not placed, placed again
    # by a person...): never dropped, never the order's `remote_id` (not unique, not synced).
    late_remote_id = models.CharField(max_length=100, blank=True)
    # What a person must look at (a possible double purchase), until someone acknowledges it.
    attention = models.TextField(blank=True)
    # Why this running order looks stuck (orders/services/stuck.py): running far longer than
    # its service's orders usually take. Blank: not stuck. Only read while it runs.
    stuck = models.CharField(max_length=300, blank=True, default="")
    # "Cancel and re-place the remains elsewhere" (orders/services/remains.py): asked once the
    # panel took the cancel; done or not done once its final status and remains came back.
    replace_remains = models.CharField(
        max_length=10, choices=RemainsReplacement.choices, blank=True, default=""
    )
    # Ask for a refill every this many days while the refill period is open
    # (orders/services/auto_refill.py); None: only when a person asks.
    auto_refill_days = models.PositiveSmallIntegerField(null=True, blank=True)
    raw_status = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Sending: how many times `add` was tried without reaching the panel, and when to try again.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A new attempt made by a person after confirming the earlier one was not placed.
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    # From an upload: which one and which row. One order per row, so resubmitting adds nothing.
    # Routed orders (orders/routing.py): {"key": the offer's match key, "note": why this
    # panel, "preferred"/"excluded": the user's panel ids, "tried": panels that refused an
    # earlier attempt, "refill": asked for refill}. Empty: the user chose the panel.
    route = models.JSONField(default=dict, blank=True)
    upload = models.ForeignKey(
        "Upload", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    upload_row = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "remote_id"],
                condition=Q(remote_id__isnull=False),
                name="order_unique_remote_id",
            ),
            models.UniqueConstraint(
                fields=["upload", "upload_row"],
                condition=Q(upload__isnull=False),
                name="order_unique_upload_row",
            ),
        ]
        indexes = [
            # status sync: placed, non-final orders of one panel
            models.Index(fields=["panel", "state", "status"], name="order_sync"),
            # the reaper: orders stuck in submitting
            models.Index(fields=["state", "submitted_at"], name="order_state_submitted"),
            # the order list, newest first, filtered by state
            models.Index(fields=["state", "-created_at"], name="order_state_created"),
            # newest first, with a tie-break, so deep pages seek instead of scanning
            models.Index(fields=["-created_at", "-id"], name="order_created_id"),
            # search by the panel's order id across panels
            models.Index(fields=["remote_id"], name="order_remote_id"),
            models.Index(fields=["link"], name="order_link"),
            # one active order per target and panel: the duplicate checks
            models.Index(fields=["panel", "link_key"], name="order_panel_link_key"),
            # the dispatcher: queued orders of one panel, oldest first
            models.Index(fields=["panel", "state", "next_attempt_at"], name="order_dispatch"),
            # The dispatcher's claim: a panel's oldest queued order, read in index order instead
            # of sorting every queued order of the panel per claim (an upload queues thousands).
            models.Index(
                fields=["panel", "created_at", "id"],
                condition=Q(state="queued"),
                name="order_queue",
            ),
            # the order list's counts of orders with something raised for a person
            models.Index(
                fields=["state", "status"], condition=~Q(attention=""), name="order_raised"
            ),
            # Needs attention: the running orders flagged stuck
            models.Index(fields=["state", "status"], condition=~Q(stuck=""), name="order_stuck"),
            # balance reconciliation: a panel's charges and refunds between two readings
            models.Index(fields=["panel", "placed_at"], name="order_panel_placed"),
            models.Index(
                fields=["panel", "refund_seen_at"],
                condition=Q(refund_seen_at__isnull=False),
                name="order_panel_refund_seen",
            ),
            # The order list's and the overview's, at millions of orders (orders/list_indexes.py)
            *LIST_INDEXES,
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.panel.name} {self.remote_id or self.state})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.link_key = target_key(link=self.link, params=self.params)
        fields = kwargs.get("update_fields")
        if fields is not None and {"link", "params"} & set(fields):
            kwargs["update_fields"] = {*fields, "link_key"}
        super().save(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status in Status.FINAL

    @property
    def needs_attention(self) -> bool:
        return self.state == self.State.UNKNOWN or bool(self.attention) or self.is_stuck

    @property
    def is_stuck(self) -> bool:
        """Flagged stuck and still running (a flag outlives the run by one check at most)."""
        return bool(self.stuck) and self.state == self.State.PLACED and self.status in RUNNING

    @property
    def is_on_panel(self) -> bool:
        """Placed, with the panel's id: the panel can be asked for its status."""
        return self.state == self.State.PLACED and bool(self.remote_id)

    @property
    def can_refresh(self) -> bool:
        """Its status may still change on the panel, so asking now is worth it."""
        return self.is_on_panel and not self.is_final

    @property
    def can_place_again(self) -> bool:
        """Closed without being placed; not once a late answer says the panel has it after
        all (that would buy it twice)."""
        closed = self.state in (self.State.REJECTED, self.State.NOT_PLACED)
        return closed and not self.late_remote_id

    @property
    def refill_until(self) -> datetime | None:
        """The end of the service's refill period, counted from when the order was placed;
        None when the service offers no refill, states no period, or the order was never
        placed (orders.services.bulk leaves out refills past it)."""
        days = self.service.refill_days if self.service.refill else None
        if not days or self.placed_at is None:
            return None
        return self.placed_at + timedelta(days=days)

    @property
    def can_auto_refill(self) -> bool:
        """A refill schedule has an end: the service offers refill and states its period."""
        return self.service.refill and bool(self.service.refill_days) and self.is_on_panel

    @property
    def awaits_resolution(self) -> bool:
        """Sent, with no clear answer: only a person can say whether the panel has it."""
        return self.state == self.State.UNKNOWN


# A placed order the panel is still delivering, as a query (Order.is_stuck reads the same).
RUNNING_ORDER = Q(state=Order.State.PLACED, status__in=RUNNING)


class OrderStatusChange(models.Model):
    """One step of an order's life on the panel: what its status sync saw change, and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, blank=True)
    status_raw = models.CharField(max_length=100, blank=True)
    charge = money_field(null=True, blank=True)
    start_count = models.BigIntegerField(null=True, blank=True)
    remains = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="orderstatus_order")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.status or self.note}"


class Refill(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refills")
    remote_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=12, choices=REFILL_STATUS_CHOICES, blank=True)
    status_raw = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    # Tried but no answer came back: the panel may have created it; shown, never resent.
    outcome_unknown = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="refills",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status"], name="refill_status"),
            models.Index(fields=["remote_id"], name="refill_remote_id"),
        ]

    def __str__(self) -> str:
        return f"Refill {self.remote_id or '(not placed)'} of order {self.order_id}"


class BulkAction(models.Model):
    """One refill or cancel of many orders: what was asked, and each order's outcome."""

    class Kind(models.TextChoices):
        REFILL = "refill", "Refill"
        CANCEL = "cancel", "Cancel"
        # a cancel whose remains go to another panel once the panel confirms them
        REPLACE = "replace", "Cancel and re-place the remains"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # The confirm form's id: submitting it twice finds this row instead of acting twice.
    token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bulk_actions",
    )
    description = models.CharField(max_length=300, blank=True)  # the selection, in words
    total = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.total} orders ({self.state})"

    @property
    def is_finished(self) -> bool:
        """Every eligible order was sent (or the action failed): its page stops following it."""
        return self.state in (self.State.DONE, self.State.FAILED)


# The bulk actions sent to the panel as `cancel`.
CANCEL_KINDS = frozenset({BulkAction.Kind.CANCEL, BulkAction.Kind.REPLACE})


class BulkItem(models.Model):
    """One order of a bulk action: why it was (not) eligible, and what the panel said."""

    class Outcome(models.TextChoices):
        SKIPPED = "skipped", "Not eligible"
        PENDING = "pending", "Waiting"
        DONE = "done", "Done"
        REJECTED = "rejected", "Refused by the panel"
        UNKNOWN = "unknown", "No answer"
        NOT_SENT = "not_sent", "Not sent"

    bulk = models.ForeignKey(BulkAction, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="bulk_items")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=500, blank=True)
    refill = models.ForeignKey(
        "Refill", on_delete=models.SET_NULL, null=True, blank=True, related_name="bulk_items"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["bulk", "order"], name="bulkitem_unique_order")
        ]
        indexes = [models.Index(fields=["bulk", "outcome"], name="bulkitem_outcome")]

    def __str__(self) -> str:
        return f"{self.bulk_id}/{self.order_id}: {self.outcome}"


# Price rules and uploads live in modules of their own; imported here so Django finds them.
from orders.price_models import PriceRule  # noqa: E402, F401
from orders.upload_models import Upload  # noqa: E402, F401
