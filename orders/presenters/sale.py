"""The order form's sale block: the sale price, prefilled with the suggestion and kept up to
date while the person types, until they write their own; the customer; the profit at that
price.

The price box carries the suggestion it was last filled with (`sale_suggested`). While the box
still holds it (or nothing), the person has not overridden it: a new suggestion replaces it
(the estimate answer swaps the box out of band). Once they type their own price it is theirs,
and only the hint under it follows the suggestion. The box is never swapped while it holds
what they typed, so typing in it is never interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import money_plain
from orders.forms import OrderForm
from orders.pricing import Suggestion, suggest_for_cost


@dataclass(frozen=True)
class SaleBox:
    value: str  # what the price box holds
    suggested: str  # the suggestion the box was filled with ("" for none)
    suggestion: Suggestion
    swap: bool  # the box must be replaced: it follows a new suggestion
    profit: Decimal | None  # at the price in the box, against the estimate
    errors: list[str]

    @property
    def base(self) -> str:
        return self.suggestion.base


def sale_box(form: OrderForm, *, day: date, cost: Decimal | None) -> SaleBox:
    """The block for the form as it stands; `cost` is its estimate in the panel's currency."""
    suggestion = suggest_for_cost(form.service, cost, day)
    fresh = money_plain(suggestion.price) if suggestion.price is not None else ""
    typed = form.raw("sale_price").strip()
    shown = form.raw("sale_suggested").strip() if form.is_bound else ""
    following = not typed or typed == shown
    value = fresh if following else typed
    sale = form.sale()
    price = sale.price if not following else suggestion.price
    profit = None
    if price is not None and suggestion.cost is not None and "sale_price" not in sale.errors:
        profit = price - suggestion.cost
    errors = [] if following else [m.split(": ", 1)[-1] for m in sale.errors.get("sale_price", [])]
    return SaleBox(
        value=value,
        suggested=fresh if following else shown,
        suggestion=suggestion,
        swap=following and value != typed,
        profit=profit,
        errors=errors,
    )
