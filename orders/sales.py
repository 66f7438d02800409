"""The reseller's own two values on an order: what the customer pays (the sale price, in the
base currency) and who the customer is. Read the same way from the order form and from an
upload's `sale_price` and `customer` columns; neither is ever sent to the panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.money import read_amount

SALE_COLUMNS = ("sale_price", "customer")
# What the upload templates show in their first row: both columns are optional, and a row
# without a sale price gets the price rule's suggestion.
SALE_EXAMPLE = {"sale_price": "12.50", "customer": "Acme Ltd"}
CUSTOMER_MAX = 200


@dataclass
class Sale:
    price: Decimal | None = None
    customer: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def read_sale(price: object, customer: object) -> Sale:
    """The sale price as typed ("12,50" and "12.50" alike; "1e9", "abc" or a negative amount
    are refused with the reason) and the customer reference (one line, at most 200
    characters). Empty values are no sale price and no customer."""
    sale = Sale()
    price_text = str(price or "").strip()
    if price_text:
        try:
            sale.price = read_amount(price_text)
        except ValueError as exc:
            sale.errors["sale_price"] = [f"Sale price: {exc}"]
    raw = str(customer or "").strip()
    if "\n" in raw or "\r" in raw:
        sale.errors["customer"] = ["Customer: write it on one line."]
    elif any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in raw):
        sale.errors["customer"] = ["Customer: remove the control characters."]
    elif len(raw) > CUSTOMER_MAX:
        sale.errors["customer"] = [f"Customer: at most {CUSTOMER_MAX} characters."]
    else:
        sale.customer = " ".join(raw.split())
    return sale
