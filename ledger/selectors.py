"""The ledger's reads: a panel's readings, top-ups and checks, flagged intervals and their
orders. Every page reads stored checks; nothing here works a balance out."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ledger.models import BalanceCheck, TopUp
from orders.models import Order
from panels.models import BalanceReading, Panel

ORDERS_SHOWN = 50


def check_orders(*, check: BalanceCheck, limit: int = ORDERS_SHOWN) -> list[Order]:
    """The orders of an interval: placed in it, or whose refund was seen in it."""
    window = (check.started_at, check.ended_at)
    in_window = Q(placed_at__gt=window[0], placed_at__lte=window[1]) | Q(
        refund_seen_at__gt=window[0], refund_seen_at__lte=window[1]
    )
    return list(
        Order.objects.filter(in_window, panel_id=check.panel_id)
        .select_related("service")
        .order_by("placed_at", "id")[:limit]
    )


def flagged_checks(*, limit: int) -> list[BalanceCheck]:
    """Intervals that do not add up and nobody acknowledged yet, newest first."""
    return list(
        BalanceCheck.objects.filter(
            result=BalanceCheck.Result.FLAGGED, acknowledged_at__isnull=True
        )
        .select_related("panel")
        .order_by("-ended_at", "-id")[:limit]
    )


def panel_readings(*, panel: Panel, limit: int) -> list[BalanceReading]:
    """The latest `limit` readings, oldest first."""
    latest = BalanceReading.objects.filter(panel=panel).order_by("-read_at", "-id")[:limit]
    return sorted(latest, key=lambda r: (r.read_at, r.pk))


def panel_top_ups(*, panel: Panel) -> QuerySet[TopUp]:
    return TopUp.objects.filter(panel=panel).select_related("created_by").order_by("-at", "-id")


def panel_checks(*, panel: Panel, limit: int) -> list[BalanceCheck]:
    """The latest `limit` checks, newest first."""
    return list(
        BalanceCheck.objects.filter(panel=panel)
        .select_related("acknowledged_by")
        .order_by("-ended_at", "-id")[:limit]
    )
