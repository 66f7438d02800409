"""Whether a panel's balance adds up: top-ups the user records (or confirms), and one stored
check per interval between two balance readings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from panels.models import BalanceReading, Panel, money_field


class TopUp(models.Model):
    """Money put on a panel's balance outside orders: a payment on the panel's site, a bonus."""

    class State(models.TextChoices):
        # An unexplained rise offered to the user as a top-up: not counted until confirmed.
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Not a top-up"

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="top_ups")
    amount = money_field()
    at = models.DateTimeField(help_text="When it reached the panel's balance")
    note = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CONFIRMED)
    # The check whose unexplained rise suggested it (one suggestion per check).
    suggested_by = models.OneToOneField(
        "BalanceCheck",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestion",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="top_ups",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["panel", "state", "at"], name="topup_panel_state_at")]

    def __str__(self) -> str:
        return f"{self.amount} on panel {self.panel_id} at {self.at:%Y-%m-%d %H:%M} ({self.state})"


class BalanceCheck(models.Model):
    """How the balance moved between two consecutive readings against what the orders,
    refunds and confirmed top-ups in between say it should have: (start.read_at,
    end.read_at]. Pages read these; `ledger.services.reconcile` writes them."""

    class Result(models.TextChoices):
        OK = "ok", "Adds up"
        FLAGGED = "flagged", "Does not add up"
        # Not compared: the readings' currencies differ, or orders are in another currency.
        BROKEN = "broken", "Not compared"

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="balance_checks")
    start = models.ForeignKey(BalanceReading, on_delete=models.CASCADE, related_name="+")
    end = models.OneToOneField(
        BalanceReading, on_delete=models.CASCADE, related_name="balance_check"
    )
    # The readings' moments, copied so a panel's checks are one range scan.
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    currency = models.CharField(max_length=10, blank=True)
    actual = money_field()  # end.amount − start.amount
    charges = money_field()  # of the orders placed in the interval (estimate until charged)
    refunds = money_field()  # seen in the interval
    top_ups = money_field()  # confirmed, in the interval
    expected = money_field()  # −charges + refunds + top_ups
    difference = money_field()  # actual − expected
    tolerance = money_field()
    orders_placed = models.PositiveIntegerField(default=0)
    refunds_seen = models.PositiveIntegerField(default=0)
    # Orders counted at their estimate because the panel has not reported a charge yet: the
    # check is done again until there are none.
    estimated = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=8, choices=Result.choices)
    note = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField()
    # A person looked at a flagged interval (asked the panel, accepted the loss): it leaves the
    # overview and stays on the panel's page with who and when.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["panel", "ended_at", "id"]
        indexes = [
            models.Index(fields=["panel", "ended_at"], name="balancecheck_panel_ended"),
            # What the overview lists: flagged, not acknowledged.
            models.Index(
                fields=["ended_at"],
                condition=Q(result="flagged", acknowledged_at__isnull=True),
                name="balancecheck_flagged",
            ),
            models.Index(
                fields=["panel", "ended_at"],
                condition=Q(estimated__gt=0),
                name="balancecheck_estimated",
            ),
        ]

    def __str__(self) -> str:
        return f"Panel {self.panel_id} to {self.ended_at:%Y-%m-%d %H:%M}: {self.result}"

    @property
    def is_flagged(self) -> bool:
        return self.result == self.Result.FLAGGED

    @property
    def is_rise(self) -> bool:
        return self.difference > 0
