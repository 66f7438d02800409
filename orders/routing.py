"""Choosing the panel for an order of a matched offer: a pure function, no database.

`route(ask, offers, policy)` ranks every panel's service for the offer: the ones that can take
this order, cheapest in the base currency first, then the ones that cannot, each with its
reason. The caller (a selector) reads the panels' state into `Offer`s; placement and fail-over
walk the ranking (docs/architecture.md, "Routing").

Rules, in the order they are checked (the first that fails is the reason):
- a panel that refused an earlier attempt of this order, a panel the user excluded; a match
  nobody confirmed and the matcher is not certain of (routing spends money on a match: a
  wrong one buys the wrong product);
- the panel switched off, the service no longer listed, another order type;
- the order's size outside the service's minimum and maximum (0: no limit); refill or
  drip-feed asked for and not offered;
- the panel failing (its last call failed, panels.health); its delivery record, where routing
  is limited by it: too small a share of its recent orders completed;
- a cost that cannot be known up front, or no exchange rate to compare it in the base
  currency;
- a known balance, in the panel's currency, below the cost.
An unknown balance does not rule a panel out (if the panel lacks funds it refuses the order,
and a refusal for funds moves the order on); at the same price a panel known to have enough
ranks before it.

Ranking among the panels that can take the order: preferred panels first (the user chose
them over price), then the cost in the base currency, then a known balance before an unknown
one, then the panel's name and the service's id, so equal offers always rank the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.money import money_text
from panels.api.order_types import ORDER_TYPES, OTHER, PER_LINE, split_lines
from panels.api.order_types import estimate_cost as _estimate

# How sure we are that a service is the offer: the matcher's key, a person's confirmation,
# or a person's split (panels.models.MatchVerdict).
CERTAIN, CONFIRMED, UNSURE = "certain", "confirmed", "unsure"


@dataclass(frozen=True)
class Offer:
    """One panel's service for the offer, with what routing needs to know of its panel."""

    panel_id: int
    panel: str  # the panel's name
    service_id: int
    order_type: str
    rate: Decimal  # per 1000 (per package for flat types), in `currency`
    currency: str
    to_base: Decimal | None  # base units per unit of `currency` today; None: no rate
    min_quantity: int = 0
    max_quantity: int = 0  # 0: no limit
    refill: bool = False
    dripfeed: bool = False
    match: str = CERTAIN  # CERTAIN, CONFIRMED (by a person) or UNSURE
    panel_active: bool = True
    service_active: bool = True
    failing: bool = False
    balance: Decimal | None = None  # in `currency`; None: not known (or in another currency)
    # Its panel's delivery record, when routing is limited by it (ROUTING_MIN_COMPLETED_PERCENT):
    # the share of its recent orders that ended completed, and the least share allowed. None:
    # not limited, or too few orders to judge.
    completed_share: float | None = None
    completed_floor: float = 0.0


@dataclass(frozen=True)
class Ask:
    """The order to place: its type and fields as the form or upload gives them."""

    order_type: str
    values: Mapping[str, Any]  # FieldValue or None, as a form or an upload row gives them
    refill: bool = False  # the user wants a service with refill


@dataclass(frozen=True)
class Policy:
    preferred: frozenset[int] = frozenset()  # panel ids
    excluded: frozenset[int] = frozenset()
    # Panels an earlier attempt of the order went to: they refused it, or its remains are
    # being moved away from them (orders/services/remains.py).
    tried: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Choice:
    offer: Offer
    cost: Decimal | None  # in the offer's currency
    cost_in_base: Decimal | None
    skipped: str = ""  # why this panel cannot take the order; "" when it can

    @property
    def usable(self) -> bool:
        return not self.skipped


@dataclass(frozen=True)
class Route:
    base: str
    choices: list[Choice] = field(default_factory=list)  # usable ones first, ranked
    preferred: frozenset[int] = frozenset()  # the policy's preferred panels

    @property
    def ranked(self) -> list[Choice]:
        return [choice for choice in self.choices if choice.usable]

    @property
    def best(self) -> Choice | None:
        return next(iter(self.ranked), None)

    def reason(self) -> str:
        """ "Panel B: 0.39 USD, cheapest of 3; A skipped: balance 0.12 USD", kept on the order."""
        best = self.best
        skipped = "; ".join(
            f"{choice.offer.panel} skipped: {choice.skipped}"
            for choice in self.choices
            if not choice.usable
        )
        if best is None:
            return f"No panel can take this order: {skipped}" if skipped else "No panel offers it"
        count = len(self.ranked)
        head = f"{best.offer.panel}: {money_text(best.cost_in_base)} {self.base}"
        if count == 1:
            head += ", the only one that can take it"
        elif best.offer.panel_id in self.preferred:
            head += f", preferred ({count} can take it)"
        else:
            head += f", cheapest of {count}"
        return f"{head}; {skipped}" if skipped else head


def _amount(order_type: str, values: Mapping[str, Any]) -> int | None:
    """What the service's minimum and maximum limit: the lines of a list type, else the
    quantity (per run, for drip-feed)."""
    spec = ORDER_TYPES.get(order_type, ORDER_TYPES[OTHER])
    if spec.pricing == PER_LINE and spec.counted_field:
        return len(split_lines(values.get(spec.counted_field)))
    try:
        return int(str(values.get("quantity") or "").strip())
    except ValueError:
        return None


def _why_not(ask: Ask, offer: Offer, policy: Policy, cost: Decimal | None) -> str:
    """The first rule `offer` fails for this order (module docstring), or ""."""
    amount = _amount(ask.order_type, ask.values)
    runs = str(ask.values.get("runs") or "").strip()
    limits = (
        (offer.min_quantity, amount is not None and amount < offer.min_quantity, "minimum"),
        (offer.max_quantity, amount is not None and amount > offer.max_quantity, "maximum"),
    )
    checks = (
        (offer.panel_id in policy.tried, "already tried for this order"),
        (offer.panel_id in policy.excluded, "excluded by you"),
        (offer.match not in (CERTAIN, CONFIRMED), "split from this offer by a person"),
        (not offer.panel_active, "panel switched off"),
        (not offer.service_active, "service no longer listed"),
        (offer.order_type != ask.order_type, f"takes {offer.order_type} orders"),
        *((bool(limit) and beyond, f"{word} {limit:,}") for limit, beyond, word in limits),
        (ask.refill and not offer.refill, "no refill"),
        (runs not in ("", "0", "1") and not offer.dripfeed, "no drip-feed"),
        (offer.failing, "panel failing"),
        (
            offer.completed_share is not None and offer.completed_share < offer.completed_floor,
            f"completed {offer.completed_share or 0:.0%} of its recent orders, under "
            f"{offer.completed_floor:.0%}",
        ),
        (cost is None, "cost not known up front"),
        (
            offer.to_base is None,
            f"no exchange rate for {offer.currency}" if offer.currency else "currency not known",
        ),
        (
            offer.balance is not None and cost is not None and offer.balance < cost,
            f"balance {money_text(offer.balance)} {offer.currency}".rstrip(),
        ),
    )
    return next((reason for failed, reason in checks if failed), "")


def route(ask: Ask, offers: Sequence[Offer], policy: Policy, *, base: str) -> Route:
    """Every offer as a Choice: the usable ones ranked (module docstring), then the others in
    the order given, each with its reason."""
    usable: list[Choice] = []
    skipped: list[Choice] = []
    for offer in offers:
        cost = _estimate(ask.order_type, offer.rate, ask.values)
        in_base = cost * offer.to_base if cost is not None and offer.to_base is not None else None
        reason = _why_not(ask, offer, policy, cost)
        (skipped if reason else usable).append(Choice(offer, cost, in_base, reason))
    usable.sort(
        key=lambda c: (
            c.offer.panel_id not in policy.preferred,
            c.cost_in_base or Decimal(0),  # never None here: a usable choice has one
            c.offer.balance is None,
            c.offer.panel,
            c.offer.service_id,
        )
    )
    return Route(base=base, choices=[*usable, *skipped], preferred=policy.preferred)
