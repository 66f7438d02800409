"""Reads for the overview page: balances, health, spend and what needs attention.

Every function runs a fixed number of queries, however many panels and orders there are:
per-panel and per-state figures come from one aggregate query each, never a loop of queries.
Money stays `Decimal` all the way to the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.utils import timezone

from alerts.models import Delivery
from alerts.selectors import FAILURES_READ, failed_recently
from core.counting import ShownCount, count_text, counts_at_once, is_capped
from ledger.models import BalanceCheck
from ledger.selectors import flagged_checks
from orders.models import Order
from orders.selectors import STUCK
from overview.spend import (
    SPEND_CHART_DAYS,
    DailySpend,
    Spend,
    daily_of,
    spend_of,
    spend_rows,
    windows_since,
)
from overview.spend import spend_by_currency as spend_by_currency  # the page's reads, all here
from overview.spend import spend_per_day as spend_per_day
from panels.api.normalise import Status
from panels.models import CatalogEvent, Panel
from panels.selectors.catalog import catalog_changes

# How many orders with an unknown outcome the overview lists by name.
UNKNOWN_ORDERS_SHOWN = 5

# The top of the catalog changes feed shown on the overview (price rises first).
CATALOG_CHANGES_SHOWN = 8
CATALOG_CHANGES_DAYS = 7

# Balance intervals that do not add up, listed by panel and moment (the newest).
BALANCE_FLAGS_SHOWN = 5


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
class StateCount(ShownCount):
    state: str
    label: str
    count: int  # past COUNT_CAP (core.counting): more than COUNT_CAP
    window: Window


@dataclass(frozen=True)
class OrderCounts:
    """Orders per state: all of them, and those created in the last 24 hours and 7 days. A
    count of all of them stops past COUNT_CAP (core.counting): it says "more than" then; the
    counts in the two windows are exact. States and statuses without orders are left out."""

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


def _more_text(count: int, not_shown: int) -> str:
    """How many more there are than the few named: "3", "many" past COUNT_CAP, or ""."""
    if is_capped(count):
        return "many"
    return f"{not_shown:,}" if not_shown else ""


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
    def counts_capped(self) -> bool:
        """Some count shown says "more than COUNT_CAP"."""
        shown = [tile.count for tile in self.orders.tiles]
        return any(map(is_capped, [*shown, self.unknown_count, self.raised_count]))

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
    def unknown_text(self) -> str:
        return count_text(self.unknown_count)

    @property
    def unknown_not_shown(self) -> int:
        return max(self.unknown_count - len(self.unknown_orders), 0)

    @property
    def unknown_not_shown_text(self) -> str:
        """ "3" in "and 3 more"; "many" past COUNT_CAP; "" when every one is named."""
        return _more_text(self.unknown_count, self.unknown_not_shown)

    @property
    def raised_count(self) -> int:
        return sum(self.orders.raised.values())

    @property
    def raised_not_shown(self) -> int:
        return max(self.raised_count - len(self.raised_orders), 0)

    @property
    def raised_text(self) -> str:
        return count_text(self.raised_count)

    @property
    def raised_not_shown_text(self) -> str:
        return _more_text(self.raised_count, self.raised_not_shown)

    @property
    def stuck_not_shown(self) -> int:
        return max(self.orders.stuck - len(self.stuck_orders), 0)

    @property
    def stuck_not_shown_text(self) -> str:
        return _more_text(self.orders.stuck, self.stuck_not_shown)

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


def order_counts(*, now: datetime) -> OrderCounts:
    """Order counts per state, overall and per time window, placed orders per panel status,
    those raised for a person and the stuck ones. One query, which reads an index per count
    (counting all of a state stops past COUNT_CAP), never the whole table."""
    since = windows_since(now)
    orders = Order.objects.order_by()
    counts: dict[str, Any] = {}
    for state in Order.State.values:
        of_state = orders.filter(state=state)
        counts[f"total {state}"] = of_state
        counts[f"raised {state}"] = of_state.exclude(attention="")
    for status in ("", *Status.ALL):
        counts[f"status {status}"] = orders.filter(state=Order.State.PLACED, status=status)
    counts["stuck"] = orders.filter(STUCK)
    windowed = {
        f"{window} {state}": orders.filter(state=state, created_at__gte=since[window])
        for window in ("24h", "7d")
        for state in Order.State.values
    }
    found = counts_at_once(counts | windowed, exact=windowed)
    return _order_counts_of(found)


def _order_counts_of(found: dict[str, int]) -> OrderCounts:
    def per_state(prefix: str) -> dict[str, int]:
        return {
            state: found[f"{prefix} {state}"]
            for state in Order.State.values
            if found[f"{prefix} {state}"]
        }

    return OrderCounts(
        total=per_state("total"),
        last_24h=per_state("24h"),
        last_7d=per_state("7d"),
        placed_by_status={
            status: found[f"status {status}"]
            for status in ("", *Status.ALL)
            if found[f"status {status}"]
        },
        raised=per_state("raised"),
        stuck=found["stuck"],
    )


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
    """Everything the overview page shows, in seven queries at most (its money in the base
    currency is `overview.in_base.overview_in_base`)."""
    now = now or timezone.now()
    orders = order_counts(now=now)
    panels = panel_cards()
    spend = spend_rows(now=now, currencies={card.panel.pk: card.panel.currency for card in panels})
    return Overview(
        panels=panels,
        orders=orders,
        spend=spend_of(spend),
        unknown_orders=unknown_orders() if orders.total.get(Order.State.UNKNOWN) else [],
        raised_orders=raised_orders() if orders.raised else [],
        stuck_orders=stuck_orders() if orders.stuck else [],
        catalog_changes=latest_catalog_changes(panels=panels),
        daily_spend=daily_of(spend, now=now, days=SPEND_CHART_DAYS),
        balance_flags=flagged_checks(limit=BALANCE_FLAGS_SHOWN + 1),
        alert_failures=failed_recently(now=now),
    )
