"""One order as a row of the order list: badges, money, what to do next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import NoReverseMatch, reverse

from core.money import money_text
from orders.charges import ChargeCheck, charge_check
from orders.models import STATUS_CHOICES, Order
from orders.presenters.tones import Tone, order_tone
from orders.profit import Profit
from panels.api.normalise import Status
from panels.api.order_types import ORDER_TYPES, split_lines
from panels.models import ORDER_TYPE_CHOICES

STATUS_LABELS = dict(STATUS_CHOICES)

TYPE_LABELS = dict(ORDER_TYPE_CHOICES)


@dataclass(frozen=True)
class OrderRow:
    order: Order
    status_label: str
    status_kind: Tone  # the badge's colour (orders.presenters.tones)
    status_note: str  # one line under the badge
    quantity: int | None  # per run; for per-line types (Custom Comments...) the line count
    quantity_noun: str  # "comments", "usernames" when the quantity is a count of lines
    charge: str  # the panel's charge, or our estimate (then `is_estimate`), or ""
    is_estimate: bool
    currency: str
    type_label: str
    link_href: str | None  # only http(s) links are links
    is_live: bool  # may still change: the list refreshes itself while one is shown
    detail_url: str  # "" until the order page exists
    charge_check: ChargeCheck  # flagged when the charge is off the estimate
    profit: Profit | None = None  # None: no sale price (or not asked for)


def _is_live(order: Order) -> bool:
    if order.state in (Order.State.QUEUED, Order.State.SUBMITTING):
        return True
    return order.state == Order.State.PLACED and order.status not in Status.FINAL


_PK_MARK = 987654321


def detail_url_maker() -> Callable[[int], str]:
    """Order page URLs without a `reverse` per row (50 of them cost more than the query)."""
    try:
        pattern = reverse("orders:detail", args=[_PK_MARK])
    except NoReverseMatch:
        return lambda pk: ""
    before, _, after = pattern.partition(str(_PK_MARK))
    return lambda pk: f"{before}{pk}{after}"


def _quantity(order: Order) -> tuple[int | None, str]:
    """The order's quantity; for a per-line type, how many lines it sent (the selectors
    annotate `counted_lines`), and what they are."""
    counted = getattr(order, "counted_lines", None)
    if order.quantity is not None or counted is None:
        return order.quantity, ""
    spec = ORDER_TYPES.get(order.order_type)
    return len(split_lines(counted)), (spec.counted_field or "") if spec else ""


def order_row(
    order: Order, detail_url: Callable[[int], str] = lambda pk: "", profit: Profit | None = None
) -> OrderRow:
    if order.state == Order.State.PLACED and order.status:
        label = STATUS_LABELS.get(order.status, order.status)
        note = ""
    else:
        label = order.get_state_display()
        notes: dict[str, str] = {
            Order.State.QUEUED: "Waiting to be sent",
            Order.State.SUBMITTING: "Being sent to the panel",
            Order.State.PLACED: "Waiting for the panel's status",
            Order.State.NOT_PLACED: "Confirmed not placed",
            Order.State.REJECTED: "The panel refused it",
        }
        note = notes.get(order.state, "")
    if order.charge is not None:
        charge, estimate = money_text(order.charge), False
    elif order.estimated_cost is not None:
        charge, estimate = money_text(order.estimated_cost), True
    else:
        charge, estimate = "", False
    quantity, noun = _quantity(order)
    link = order.link.strip()
    scheme = urlsplit(link).scheme.lower() if link else ""
    return OrderRow(
        order=order,
        status_label=label,
        status_kind=order_tone(order),
        status_note=note,
        quantity=quantity,
        quantity_noun=noun,
        charge=charge,
        is_estimate=estimate,
        currency=order.currency or order.panel.currency,
        type_label=TYPE_LABELS.get(order.order_type, order.order_type),
        link_href=link if scheme in ("http", "https") else None,
        is_live=_is_live(order),
        detail_url=detail_url(order.pk),
        charge_check=charge_check(order),
        profit=profit,
    )
