"""Reads for the overview page: balances, health, spend and what needs attention.

Every function runs a fixed number of queries, however many panels and orders there are:
per-panel and per-state figures come from one aggregate query each, never a loop of queries.
Money stays `Decimal` all the way to the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from alerts.models import Delivery
from alerts.selectors import FAILURES_READ, failed_recently
from ledger.models import BalanceCheck
from ledger.selectors import flagged_checks
from orders.cost_sql import order_cost, order_currency
from orders.models import Order
from orders.selectors import STUCK
from panels.api.normalise import Status
from panels.models import CatalogEvent, Panel
from panels.selectors.catalog import catalog_changes

# Orders whose money came back: they do not count as spend.
REFUNDED_STATUSES = (Status.CANCELED, Status.REFUNDED)

# How many orders with an unknown outcome the overview lists by name.
UNKNOWN_ORDERS_SHOWN = 5

# The top of the catalog changes feed shown on the overview (price rises first).
CATALOG_CHANGES_SHOWN = 8
CATALOG_CHANGES_DAYS = 7

# Balance intervals that do not add up, listed by panel and moment (the newest).
BALANCE_FLAGS_SHOWN = 5

# The spend chart: per panel per day, today and the days before it.
SPEND_CHART_DAYS = 30

# "now": every order currently in the state; "24h"/"7d": those created in that window.
Window = Literal["now", "24h", "7d"]

# States shown as counters, in this order, with the window each one counts over.
STATE_TILES: tuple[tuple[Order.State, Window], ...] = (
    (Order.State.QUEUED, "now"),
    (Order.State.SUBMITTING, "now"),
    (Order.State.UNKNOWN, "now"),
    (Order.State.REJECTED, "7d"),
    (Order.State.PLACED, "24h"),
)


@dataclass(frozen=True)
class PanelCard:
    panel: Panel
    is_low_balance: bool
    is_empty: bool

    @property
    def is_failing(self) -> bool:
        return self.panel.health == Panel.Health.FAILING


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int
    window: Window


@dataclass(frozen=True)
class OrderCounts:
    """Orders per state: all of them, and those created in the last 24 hours and 7 days."""

    total: dict[str, int]
    last_24h: dict[str, int]
    last_7d: dict[str, int]
    # Placed orders per panel status ("" until the panel first reported one).
    placed_by_status: dict[str, int] = field(default_factory=dict)
    # Orders with something raised for a person (a possible double purchase), per state.
    raised: dict[str, int] = field(default_factory=dict)
    stuck: int = 0  # running orders flagged stuck (orders/services/stuck.py)

    def in_window(self, window: Window) -> dict[str, int]:
        return {"now": self.total, "24h": self.last_24h, "7d": self.last_7d}[window]

    @property
    def tiles(self) -> list[StateCount]:
        return [
            StateCount(state.value, state.label, self.in_window(window).get(state.value, 0), window)
            for state, window in STATE_TILES
        ]


@dataclass(frozen=True)
class Spend:
    currency: str
    last_24h: Decimal
    last_7d: Decimal
    orders_7d: int
    # The same money per day of the site's time zone, (last 24 h, last 7 days), so that each
    # day is converted to the base currency at its own rate (overview.in_base).
    by_day: dict[date, tuple[Decimal, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class DailySpend:
    day: date  # in the site's time zone
    panel_id: int
    currency: str
    amount: Decimal
    # Set once converted to the base currency (overview.in_base): the rate's day, and what
    # was billed ("1,100.00 RUB"); or why it could not be converted.
    rate_day: date | None = None
    billed: str = ""
    problem: str = ""


@dataclass(frozen=True)
class Overview:
    panels: list[PanelCard]
    orders: OrderCounts
    spend: list[Spend]
    unknown_orders: list[Order]  # the oldest few, to show by name
    raised_orders: list[Order] = field(default_factory=list)  # possible double purchases
    stuck_orders: list[Order] = field(default_factory=list)  # the oldest few stuck ones
    catalog_changes: list[CatalogEvent] = field(default_factory=list)  # top of the feed
    daily_spend: list[DailySpend] = field(default_factory=list)  # the spend chart's data
    # Balance intervals that do not add up, newest first (BALANCE_FLAGS_SHOWN + 1 at most:
    # one more than shown says there are more).
    balance_flags: list[BalanceCheck] = field(default_factory=list)
    # Alert messages that could not be sent in the last 24 hours, newest first.
    alert_failures: list[Delivery] = field(default_factory=list)

    @property
    def alert_failures_more(self) -> bool:
        """As many failures as were read: there may be more than shown."""
        return len(self.alert_failures) >= FAILURES_READ

    @property
    def state_counts(self) -> list[StateCount]:
        return self.orders.tiles

    @property
    def failing_panels(self) -> list[PanelCard]:
        return [card for card in self.panels if card.panel.is_active and card.is_failing]

    @property
    def low_balance_panels(self) -> list[PanelCard]:
        return [card for card in self.panels if card.is_low_balance]

    @property
    def unknown_count(self) -> int:
        return self.orders.total.get(Order.State.UNKNOWN, 0)

    @property
    def unknown_not_shown(self) -> int:
        return max(self.unknown_count - len(self.unknown_orders), 0)

    @property
    def raised_count(self) -> int:
        return sum(self.orders.raised.values())

    @property
    def raised_not_shown(self) -> int:
        return max(self.raised_count - len(self.raised_orders), 0)

    @property
    def stuck_not_shown(self) -> int:
        return max(self.orders.stuck - len(self.stuck_orders), 0)

    @property
    def rejected_24h(self) -> int:
        return self.orders.last_24h.get(Order.State.REJECTED, 0)

    @property
    def balance_flags_shown(self) -> list[BalanceCheck]:
        return self.balance_flags[:BALANCE_FLAGS_SHOWN]

    @property
    def balance_flags_more(self) -> bool:
        return len(self.balance_flags) > BALANCE_FLAGS_SHOWN

    @property
    def needs_attention(self) -> bool:
        return bool(
            self.balance_flags
            or self.alert_failures
            or self.unknown_count
            or self.raised_count
            or self.orders.stuck
            or self.failing_panels
            or self.low_balance_panels
            or self.rejected_24h
        )


def panel_cards() -> list[PanelCard]:
    """Every panel with its balance flags (each panel's own low-balance threshold), active
    ones first. One query."""
    cards = []
    for panel in Panel.objects.order_by("-is_active", "name"):
        active = panel.is_active and panel.balance is not None
        cards.append(
            PanelCard(
                panel=panel,
                is_low_balance=active and panel.is_low_on_balance,
                is_empty=active and panel.balance is not None and panel.balance <= 0,
            )
        )
    return cards


def _since(now: datetime) -> dict[str, datetime]:
    return {"24h": now - timedelta(hours=24), "7d": now - timedelta(days=7)}


def order_counts(*, now: datetime) -> OrderCounts:
    """Order counts per state, overall and per time window, and placed orders per panel
    status. One query."""
    since = _since(now)
    rows = (
        Order.objects.order_by()
        .values("state", "status")
        .annotate(
            total=Count("id"),
            last_24h=Count("id", filter=Q(created_at__gte=since["24h"])),
            last_7d=Count("id", filter=Q(created_at__gte=since["7d"])),
            raised=Count("id", filter=~Q(attention="")),
            stuck=Count("id", filter=STUCK),
        )
    )
    counts = OrderCounts(total={}, last_24h={}, last_7d={})
    stuck = 0
    for row in rows:
        stuck += row["stuck"]
        state = row["state"]
        for name in ("total", "last_24h", "last_7d"):
            per_state = getattr(counts, name)
            per_state[state] = per_state.get(state, 0) + row[name]
        if row["raised"]:
            counts.raised[state] = counts.raised.get(state, 0) + row["raised"]
        if state == Order.State.PLACED:
            status = row["status"]
            counts.placed_by_status[status] = counts.placed_by_status.get(status, 0) + row["total"]
    return replace(counts, stuck=stuck)


def spend_by_currency(*, now: datetime) -> list[Spend]:
    """What placed orders cost in the last 24 h and 7 days, per currency. One query.

    The cost is the panel's `charge`, or our `estimated_cost` until the panel reports one. The
    currency is the order's, or its panel's when the order has none. Canceled and refunded
    orders are left out: their money came back.
    """
    since = _since(now)
    amount, money = order_cost()
    zone = timezone.get_current_timezone()
    rows = (
        Order.objects.filter(state=Order.State.PLACED, created_at__gte=since["7d"])
        .exclude(status__in=REFUNDED_STATUSES)
        .annotate(spend_currency=order_currency(), day=TruncDate("created_at", tzinfo=zone))
        .values("spend_currency", "day")
        .annotate(
            last_7d=Sum(amount, output_field=money),
            last_24h=Sum(amount, filter=Q(created_at__gte=since["24h"]), output_field=money),
            orders_7d=Count("id"),
        )
        .order_by("spend_currency", "day")
    )
    days: dict[str, dict[date, tuple[Decimal, Decimal, int]]] = {}
    for row in rows:
        days.setdefault(row["spend_currency"], {})[row["day"]] = (
            row["last_24h"] or Decimal(0),
            row["last_7d"] or Decimal(0),
            row["orders_7d"],
        )
    return [
        Spend(
            currency=currency,
            last_24h=sum((v[0] for v in per_day.values()), Decimal(0)),
            last_7d=sum((v[1] for v in per_day.values()), Decimal(0)),
            orders_7d=sum(v[2] for v in per_day.values()),
            by_day={day: (v[0], v[1]) for day, v in per_day.items()},
        )
        for currency, per_day in days.items()
    ]


def unknown_orders(*, limit: int = UNKNOWN_ORDERS_SHOWN) -> list[Order]:
    """The oldest orders whose outcome is unknown: a person has to resolve them. One query."""
    return list(
        Order.objects.filter(state=Order.State.UNKNOWN)
        .select_related("panel", "service")
        .order_by("created_at", "id")[:limit]
    )


def stuck_orders(*, limit: int = UNKNOWN_ORDERS_SHOWN) -> list[Order]:
    """The longest-running orders flagged stuck. One query."""
    return list(
        Order.objects.filter(STUCK)
        .select_related("panel", "service")
        .order_by("placed_at", "id")[:limit]
    )


def raised_orders(*, limit: int = UNKNOWN_ORDERS_SHOWN) -> list[Order]:
    """The oldest orders with something raised for a person (a late answer that may mean a
    double purchase), not yet acknowledged. One query."""
    return list(
        Order.objects.exclude(attention="")
        .select_related("panel", "service")
        .order_by("created_at", "id")[:limit]
    )


def latest_catalog_changes(*, panels: list[PanelCard]) -> list[CatalogEvent]:
    """The top of the catalog changes feed. One query, none before any active panel's catalog
    was synced: changes are only recorded from a panel's second sync on."""
    if not any(card.panel.is_active and card.panel.catalog_synced_at for card in panels):
        return []
    return catalog_changes(days=CATALOG_CHANGES_DAYS, limit=CATALOG_CHANGES_SHOWN)


def overview_get(*, now: datetime | None = None) -> Overview:
    """Everything the overview page shows, in eight queries at most (its money in the base
    currency is `overview.in_base.overview_in_base`)."""
    now = now or timezone.now()
    orders = order_counts(now=now)
    panels = panel_cards()
    return Overview(
        panels=panels,
        orders=orders,
        spend=spend_by_currency(now=now),
        unknown_orders=unknown_orders() if orders.total.get(Order.State.UNKNOWN) else [],
        raised_orders=raised_orders() if orders.raised else [],
        stuck_orders=stuck_orders() if orders.stuck else [],
        catalog_changes=latest_catalog_changes(panels=panels),
        daily_spend=spend_per_day(now=now),
        balance_flags=flagged_checks(limit=BALANCE_FLAGS_SHOWN + 1),
        alert_failures=failed_recently(now=now),
    )


def spend_per_day(*, now: datetime, days: int = SPEND_CHART_DAYS) -> list[DailySpend]:
    """What placed orders cost per panel per day over the last `days` days (today included),
    per currency: the same money as `spend_by_currency`, by the day of the site's time zone.
    Only days with spend are returned. One query."""
    zone = timezone.get_current_timezone()
    first = timezone.localtime(now, zone).date() - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    amount, money = order_cost()
    rows = (
        Order.objects.filter(state=Order.State.PLACED, created_at__gte=start)
        .exclude(status__in=REFUNDED_STATUSES)
        .annotate(day=TruncDate("created_at", tzinfo=zone), spend_currency=order_currency())
        .values("day", "panel_id", "spend_currency")
        .annotate(amount=Sum(amount, output_field=money))
        .order_by("day", "panel_id", "spend_currency")
    )
    return [
        DailySpend(
            day=row["day"],
            panel_id=row["panel_id"],
            currency=row["spend_currency"],
            amount=row["amount"] or Decimal(0),
        )
        for row in rows
        if row["day"] is not None
    ]
