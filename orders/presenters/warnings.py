"""What to know before placing an order: the panel's balance against the estimate (with the
balance's age), and an order on the same link that may still be active on that panel."""

from __future__ import annotations

from dataclasses import dataclass

from core.money import money_text
from orders.forms import OrderForm
from orders.models import Order
from orders.selectors import active_order_for_link
from panels.health import read_age


@dataclass(frozen=True)
class OrderWarning:
    kind: str  # "balance", "duplicate", "note"
    text: str
    order: Order | None = None  # the active order on the same link


def order_warnings(form: OrderForm) -> list[OrderWarning]:
    """What to know before placing: the panel's balance against the estimate, and an order on
    the same link that may still be active on that panel."""
    service = form.service
    panel = service.panel
    warnings: list[OrderWarning] = []
    estimate = form.estimate()
    currency = f" {panel.currency}" if panel.currency else ""
    age = f" ({read_age(panel.balance_checked_at)})"  # a stale balance misleads: say its age
    if panel.balance is None:
        warnings.append(
            OrderWarning(
                "note",
                f"The balance of {panel.name} has not been checked "
                "yet: it may not cover this order.",
            )
        )
    elif estimate.cost is not None and estimate.cost > panel.balance:
        short = money_text(estimate.cost - panel.balance)
        warnings.append(
            OrderWarning(
                "balance",
                f"{panel.name} has {money_text(panel.balance)}{currency} left{age}: not enough for "
                f"{money_text(estimate.cost)}{currency} ({short}{currency} short). The panel will "
                "reject the order unless you top it up first.",
            )
        )
    elif panel.is_low_on_balance:
        warnings.append(
            OrderWarning(
                "note",
                f"{panel.name} is low on balance: {money_text(panel.balance)}{currency} left{age}.",
            )
        )
    key = form.duplicate_key()
    active = active_order_for_link(panel=panel, link=key) if key else None
    if active is not None:
        what = "username" if "link" not in form.names else "link"
        warnings.append(
            OrderWarning(
                "duplicate",
                f"An order for this {what} may still be active on {panel.name}: the panel will "
                "probably refuse a second one until it is finished.",
                active,
            )
        )
    return warnings
