"""`add` validation: turns the request fields into a priced order, or an `ApiError`.

The checks run in the order real panels appear to use: service, fields, link, quantity; the
duplicate-link and balance checks need the store and happen in `actions.add`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from .catalog import DEFAULT, MENTIONS_MEDIA_LIKERS, SUBSCRIPTIONS, Service
from .dialects import BAD_REQUEST, LINK, MAX_QUANTITY, MIN_QUANTITY, SERVICE_ID, ApiError
from .live import Catalog

SUBSCRIPTION_DELAYS = frozenset(
    {0, 5, 10, 15, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 360, 420, 480, 540, 600}
)
# Never stored with an order: the credentials and the routing field.
NOT_STORED = frozenset({"key", "api_token", "action"})
ONE_DAY = 24 * 60 * 60


@dataclass(frozen=True)
class NewOrder:
    service: Service
    # The duplicate rule compares this: the link, or the username for subscriptions.
    link: str
    quantity: int
    cost: Decimal
    fields: dict[str, str]
    runs: int | None = None
    posts: int | None = None
    expiry: float | None = None


def list_lines(text: str) -> list[str]:
    return [line for line in re.split(r"\r?\n", text) if line.strip()]


def parse_add(params: Mapping[str, str], *, now: float, catalog: Catalog) -> NewOrder:
    raw_service = params.get("service", "").strip()
    service = catalog.get(int(raw_service)) if is_digits(raw_service) else None
    if service is None:
        raise ApiError(SERVICE_ID)
    rule = service.rule
    if any(not params.get(name, "").strip() for name in rule.required):
        raise ApiError(BAD_REQUEST)
    fields = {name: value for name, value in params.items() if name not in NOT_STORED}
    if service.type == SUBSCRIPTIONS:
        return _subscription(service, params, fields, now)

    runs = _dripfeed_runs(service, params)
    link = params["link"].strip()
    _check_link(link)
    if service.type == MENTIONS_MEDIA_LIKERS:
        _check_link(params["media"].strip())
    if "answer_number" in rule.required:
        _positive_int(params["answer_number"])

    if rule.counted is not None:
        quantity = len(list_lines(params[rule.counted]))
    elif rule.flat:
        quantity = 1
    else:
        quantity = _int(params["quantity"])
    if not rule.flat:
        _check_range(service, quantity)

    if rule.flat:
        cost = service.rate_value
    else:
        total = quantity * (runs or 1)
        cost = service.rate_value * total / 1000
        quantity = total
    return NewOrder(service, link, quantity, cost, fields, runs=runs)


def _dripfeed_runs(service: Service, params: Mapping[str, str]) -> int | None:
    runs = params.get("runs", "").strip()
    interval = params.get("interval", "").strip()
    if not runs and not interval:
        return None
    if service.type != DEFAULT or not service.dripfeed or not (runs and interval):
        raise ApiError(BAD_REQUEST)
    _positive_int(interval)
    return _positive_int(runs)


def _subscription(
    service: Service, params: Mapping[str, str], fields: dict[str, str], now: float
) -> NewOrder:
    username = params["username"].strip()
    low, high = _int(params["min"]), _int(params["max"])
    if low > high:
        raise ApiError(BAD_REQUEST)
    _check_range(service, low)
    _check_range(service, high)
    posts = _positive_int(params["posts"]) if params.get("posts", "").strip() else None
    if params.get("old_posts", "").strip():
        _int(params["old_posts"])
    if _int(params.get("delay", "")) not in SUBSCRIPTION_DELAYS:
        raise ApiError(BAD_REQUEST)
    expiry = _expiry(params.get("expiry", "").strip(), now)
    cost = service.rate_value * high * (posts or 1) / 1000
    return NewOrder(service, username, high, cost, fields, posts=posts, expiry=expiry)


def _expiry(text: str, now: float) -> float | None:
    if not text:
        return None
    try:
        # A calendar day, not a moment: no time zone involved.
        day = datetime.strptime(text, "%d/%m/%Y")
    except ValueError:
        raise ApiError(BAD_REQUEST) from None
    # The subscription runs through the whole given day (UTC).
    end = calendar.timegm(day.timetuple()) + ONE_DAY
    if end <= now:
        raise ApiError(BAD_REQUEST)
    return float(end)


def _check_link(link: str) -> None:
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in link):
        raise ApiError(LINK)


def _check_range(service: Service, quantity: int) -> None:
    if quantity < service.min:
        raise ApiError(MIN_QUANTITY, n=service.min)
    if quantity > service.max:
        raise ApiError(MAX_QUANTITY, n=service.max)


def is_digits(text: str) -> bool:
    # str.isdigit alone accepts "²" and other digits int() refuses.
    return text.isascii() and text.isdigit()


def _int(text: str) -> int:
    text = text.strip()
    if not is_digits(text):
        raise ApiError(BAD_REQUEST)
    return int(text)


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise ApiError(BAD_REQUEST)
    return value
