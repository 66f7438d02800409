"""Check an order's fields against its service, the way the panel will, before anything is sent.

Pure functions over a Service row and the raw values typed in a form or read from an upload:
the same rules serve both, and every message names the field and the limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from orders.fields import (
    DATE,
    DELAY,
    LINK,
    LIST,
    NUMBER,
    FieldSpec,
    field_spec,
)
from orders.links import link_problem, read_whole, scheme_problem
from orders.models import Order
from panels.api.order_types import (
    ORDER_TYPES,
    OTHER,
    PER_LINE,
    SUBSCRIPTION_DELAYS,
    FieldValue,
    add_fields,
    billable_quantity,
    estimate_cost,
    split_lines,
)
from panels.models import Service

# Columns of Order; every other field of a type is kept in Order.params.
COLUMNS = ("link", "quantity", "runs", "interval")
EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED = frozenset({"key", "action", "service", "api_token", "api"})


@dataclass
class CleanOrder:
    link: str = ""
    quantity: int | None = None
    runs: int | None = None
    interval: int | None = None
    params: dict[str, str] = field(default_factory=dict)  # sent to the panel as they are
    billable: int | None = None  # units charged (runs x quantity, or lines)
    estimated_cost: Decimal | None = None


def stored_values(order: CleanOrder | Order) -> dict[str, FieldValue | None]:
    """An order's fields as kept (its columns, then its params): what
    panels.api.order_types.add_fields turns into the body of its `add`."""
    values: dict[str, FieldValue | None] = {name: getattr(order, name) for name in COLUMNS}
    values.update({name: str(value) for name, value in (order.params or {}).items()})
    return values


def form_values(order: Order) -> dict[str, object]:
    """An order's fields as a form (or upload) gives them to validate_order, to place the
    same order again: its columns, its type's params, the rest kept as extra."""
    spec = ORDER_TYPES.get(order.order_type, ORDER_TYPES[OTHER])
    values: dict[str, object] = {name: getattr(order, name) for name in COLUMNS}
    values.update({k: v for k, v in order.params.items() if k in spec.fields})
    values["extra"] = {k: v for k, v in order.params.items() if k not in spec.fields}
    return values


class _Checker:
    def __init__(self, service: Service, values: Mapping[str, object]):
        self.service = service
        self.values = {k: ("" if v is None else v) for k, v in values.items()}
        self.errors: dict[str, list[str]] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str) -> str:
        value = self.values.get(name, "")
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return str(value).strip()

    def integer(self, name: str, *, low: int = 1, high: int | None = None) -> int | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            number = read_whole(raw)
        except ValueError as exc:
            self.error(name, str(exc))
            return None
        if number < low:
            self.error(name, f"Must be at least {low}.")
        elif high is not None and number > high:
            self.error(name, f"Must be at most {high}.")
        return number

    def within_limits(self, name: str, amount: int, what: str, *, noun: str = "") -> None:
        """ "Quantity 5 is below the service's minimum of 50." or, for lines of a list,
        "12 comments given, the service's minimum is 20."."""
        low, high = self.service.min_quantity, self.service.max_quantity
        for limit, too_far, word, side in (
            (low, amount < low, "minimum", "below"),
            (high, amount > high, "maximum", "above"),
        ):
            if not (limit and too_far):
                continue
            if noun:
                self.error(name, f"{amount} {noun} given, the service's {word} is {limit}.")
            else:
                self.error(name, f"{what} {amount} is {side} the service's {word} of {limit}.")


def validate_order(
    service: Service, values: Mapping[str, object], *, today: date | None = None
) -> tuple[CleanOrder | None, dict[str, list[str]]]:
    """(the clean order, {}) or (None, {field: [messages]}).

    Each field of the service's type is read by its kind in orders.fields.FIELDS; then the
    rules between fields (drip-feed, a subscription's min and max, the service's limits)."""
    check = _Checker(service, values)
    spec = ORDER_TYPES.get(service.type, ORDER_TYPES[OTHER])
    clean = CleanOrder()
    for name in spec.required:
        if not check.text(name):
            check.error(name, "Required for this service.")
    numbers: dict[str, int] = {}
    held: set[str] = set()  # numbers already held to the service's limits
    today = today or date.today()
    for name in spec.fields:
        value = _read(check, name, field_spec(name), today)
        if isinstance(value, int):
            numbers[name] = value
            value = str(value)
        if name in COLUMNS:
            setattr(clean, name, numbers.get(name) if name != "link" else value)
        elif value:
            clean.params[name] = value
        if spec.pricing == PER_LINE and spec.counted_field == name and value:
            check.within_limits(name, len(split_lines(value)), "", noun=field_spec(name).noun)
        if spec.key == "subscriptions" and name == "max":  # min and max are both read now
            held = _min_max(check, numbers)
    if "runs" in spec.fields:
        _dripfeed(check, clean)
    if spec.key == "subscriptions":
        # The account is sent without the @ people often type.
        clean.params["username"] = check.text("username").lstrip("@")
    _extra(check, clean, spec.fields)
    # The service's own limits, on numbers readable and within their field's range.
    for name, number in numbers.items():
        if field_spec(name).service_limits and name not in held and name not in check.errors:
            per_run = name == "quantity" and clean.runs
            check.within_limits(
                name, number, "Quantity per run" if per_run else field_spec(name).label
            )
    if check.errors:
        return None, check.errors
    body = add_fields(None, stored_values(clean))
    clean.billable = billable_quantity(service.type, body)
    clean.estimated_cost = estimate_cost(service.type, service.rate, body)
    return clean, {}


def _read(check: _Checker, name: str, spec: FieldSpec, today: date) -> str | int | None:
    """One field's value read by its kind: a number (None if empty or wrong, with its error),
    or the text to keep ("" if empty)."""
    if spec.kind in (NUMBER, DELAY):
        number = check.integer(name, low=spec.low, high=spec.high)
        if spec.kind == DELAY and number is not None and number not in SUBSCRIPTION_DELAYS:
            allowed = ", ".join(str(d) for d in SUBSCRIPTION_DELAYS)
            check.error(name, f"{spec.label} must be one of {allowed} minutes.")
            return None
        return number
    value = check.text(name)
    if not value:
        return ""
    if spec.kind == LINK:
        return _link(check, name)
    if spec.kind == LIST:
        lines = split_lines(value)
        if spec.lines_are_links:
            _link_lines(check, name, lines)
        return "\n".join(lines)
    if spec.kind == DATE:
        return _date(check, name, spec.label.lower(), value, today)
    return value


def _link(check: _Checker, name: str = "link") -> str:
    """The link as typed (trimmed): that is what the panel gets. Only web addresses, addresses
    without a scheme and usernames pass; javascript:, data: and other schemes never do."""
    link = check.text(name)
    problem = link_problem(link)
    if problem:
        check.error(name, problem)
    elif len(link) > 2000:
        check.error(name, "This link is too long (2000 characters at most).")
    return link


def _link_lines(check: _Checker, name: str, lines: list[str]) -> None:
    """Lines that may be links (groups to invite from): no scheme but http/https either."""
    for number, line in enumerate(lines, start=1):
        problem = scheme_problem(line)
        if problem:
            check.error(name, f"Line {number}: {problem}")
            return


def _dripfeed(check: _Checker, clean: CleanOrder) -> None:
    """Runs and interval go together, and only on a service that offers drip-feed."""
    if clean.runs is None and clean.interval is None:
        return
    if not check.service.dripfeed:
        check.error("runs", "This service does not offer drip-feed.")
    elif clean.runs is None or clean.interval is None:
        missing = "runs" if clean.runs is None else "interval"
        check.error(missing, "Drip-feed needs both runs and an interval.")


def _min_max(check: _Checker, numbers: dict[str, int]) -> set[str]:
    """A subscription's min per post at most its max, both within the service's limits (named
    "Min" and "Max"). The fields it held to those limits."""
    low, high = numbers.get("min"), numbers.get("max")
    if low is not None and high is not None and low > high:
        check.error("max", f"Max ({high}) must be at least min ({low}).")
    for name, number in (("min", low), ("max", high)):
        if number is not None:
            check.within_limits(name, number, name.capitalize())
    return {"min", "max"}


def _date(check: _Checker, name: str, what: str, value: str, today: date) -> str:
    """A d/m/Y day, not in the past: as the panel wants it."""
    try:
        when = datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        check.error(name, f"Write the {what} date as dd/mm/yyyy.")
        return ""
    if when < today:
        check.error(name, f"The {what} date is in the past.")
    return when.strftime("%d/%m/%Y")


def _extra(check: _Checker, clean: CleanOrder, fields: tuple[str, ...]) -> None:
    """Fields the type does not list (e.g. `order_style`) pass through, if sanely named."""
    extra = check.values.get("extra")
    if not isinstance(extra, Mapping):
        return
    for name, value in extra.items():
        name = str(name).strip()
        if not EXTRA_NAME.match(name) or name in RESERVED or name in fields:
            check.error("extra", f"{name!r} cannot be used as an extra field name.")
        elif str(value).strip():
            clean.params[name] = str(value).strip()
