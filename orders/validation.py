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

from orders.links import link_problem, read_whole, scheme_problem
from panels.api.order_types import (
    LIST_FIELDS,
    ORDER_TYPES,
    OTHER,
    PER_LINE,
    SUBSCRIPTION_DELAYS,
    billable_quantity,
    estimate_cost,
    split_lines,
)
from panels.models import Service

# Columns of Order; every other field of a type is kept in Order.params.
COLUMNS = ("link", "quantity", "runs", "interval")
EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED = frozenset({"key", "action", "service", "api_token", "api"})
LIST_NOUNS = {"comments": "comments", "usernames": "usernames", "hashtags": "hashtags",
              "keywords": "keywords", "groups": "groups"}  # fmt: skip
MAX_RUNS, MAX_INTERVAL = 1000, 60 * 24 * 30


@dataclass
class CleanOrder:
    link: str = ""
    quantity: int | None = None
    runs: int | None = None
    interval: int | None = None
    params: dict[str, str] = field(default_factory=dict)  # sent to the panel as they are
    billable: int | None = None  # units charged (runs x quantity, or lines)
    estimated_cost: Decimal | None = None

    def add_fields(self) -> dict[str, str]:
        """The fields of the `add` call, as strings, in a stable order."""
        fields: dict[str, str] = {}
        if self.link:
            fields["link"] = self.link
        for name in ("quantity", "runs", "interval"):
            value = getattr(self, name)
            if value is not None:
                fields[name] = str(value)
        fields.update(self.params)
        return fields


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
        for limit, too_far, word, side in ((low, amount < low, "minimum", "below"),
                                           (high, amount > high, "maximum", "above")):  # fmt: skip
            if not (limit and too_far):
                continue
            if noun:
                self.error(name, f"{amount} {noun} given, the service's {word} is {limit}.")
            else:
                self.error(name, f"{what} {amount} is {side} the service's {word} of {limit}.")


def validate_order(
    service: Service, values: Mapping[str, object], *, today: date | None = None
) -> tuple[CleanOrder | None, dict[str, list[str]]]:
    """(the clean order, {}) or (None, {field: [messages]})."""
    check = _Checker(service, values)
    spec = ORDER_TYPES.get(service.type, ORDER_TYPES[OTHER])
    clean = CleanOrder()
    for name in spec.required:
        if not check.text(name):
            check.error(name, "Required for this service.")

    if "link" in spec.fields and check.text("link"):
        clean.link = _link(check)
    if "quantity" in spec.fields:
        clean.quantity = check.integer("quantity")
    _dripfeed(check, clean, spec.fields)
    for name in spec.fields:
        if name in COLUMNS or name in ("min", "max", "posts", "old_posts", "delay", "expiry"):
            continue
        value = check.text(name)
        if name in LIST_FIELDS:
            lines = split_lines(value)
            value = "\n".join(lines)
            if name == "groups":
                _link_lines(check, name, lines)
            if spec.pricing == PER_LINE and spec.counted_field == name and lines:
                check.within_limits(name, len(lines), "", noun=LIST_NOUNS[name])
        elif name == "answer_number" and value:
            value = str(check.integer(name) or "")
        elif name == "media" and value:
            value = _link(check, "media")
        if value:
            clean.params[name] = value
    if spec.key == "subscriptions":
        _subscription(check, clean, today or date.today())
    _extra(check, clean, spec.fields)

    if clean.quantity is not None and "quantity" not in check.errors:
        what = "Quantity per run" if clean.runs else "Quantity"
        check.within_limits("quantity", clean.quantity, what)
    if check.errors:
        return None, check.errors
    values_for_cost = {**clean.add_fields()}
    clean.billable = billable_quantity(service.type, values_for_cost)
    clean.estimated_cost = estimate_cost(service.type, service.rate, values_for_cost)
    return clean, {}


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


def _dripfeed(check: _Checker, clean: CleanOrder, fields: tuple[str, ...]) -> None:
    if "runs" not in fields:
        return
    runs = check.integer("runs", low=2, high=MAX_RUNS)
    interval = check.integer("interval", low=1, high=MAX_INTERVAL)
    if runs is None and interval is None:
        return
    if not check.service.dripfeed:
        check.error("runs", "This service does not offer drip-feed.")
    elif runs is None or interval is None:
        missing = "runs" if runs is None else "interval"
        check.error(missing, "Drip-feed needs both runs and an interval.")
    clean.runs, clean.interval = runs, interval


def _subscription(check: _Checker, clean: CleanOrder, today: date) -> None:
    clean.params["username"] = check.text("username").lstrip("@")
    low = check.integer("min")
    high = check.integer("max")
    if low is not None and high is not None and low > high:
        check.error("max", f"Max ({high}) must be at least min ({low}).")
    for name, number in (("min", low), ("max", high)):
        if number is not None:
            check.within_limits(name, number, name.capitalize())
            clean.params[name] = str(number)
    posts = check.integer("posts")
    old_posts = check.integer("old_posts", low=0)
    if posts is not None:
        clean.params["posts"] = str(posts)
    if old_posts is not None:
        clean.params["old_posts"] = str(old_posts)
    delay = check.integer("delay", low=0)
    if delay is not None and delay not in SUBSCRIPTION_DELAYS:
        allowed = ", ".join(str(d) for d in SUBSCRIPTION_DELAYS)
        check.error("delay", f"Delay must be one of {allowed} minutes.")
    elif delay is not None:
        clean.params["delay"] = str(delay)
    expiry = check.text("expiry")
    if expiry:
        try:
            when = datetime.strptime(expiry, "%d/%m/%Y").date()
        except ValueError:
            check.error("expiry", "Write the expiry date as dd/mm/yyyy.")
        else:
            if when < today:
                check.error("expiry", "The expiry date is in the past.")
            clean.params["expiry"] = when.strftime("%d/%m/%Y")


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
