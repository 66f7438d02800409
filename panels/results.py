"""Typed answers of the API v2 actions, and how to read them from a panel's JSON.

Money is Decimal (the client parses JSON numbers straight to Decimal), remote ids are strings,
booleans and statuses are normalised, and every result keeps the raw value it came from.
No Django imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from panels import answer_values, normalise
from panels.answer_values import UnusableAnswer, shown
from panels.catalog_values import TEXT_LIMITS
from panels.catalog_values import limits as _limits
from panels.catalog_values import rate as _rate
from panels.catalog_values import refill_days as _refill_days
from panels.catalog_values import service_id as _service_id
from panels.catalog_values import stored_text as _text
from panels.errors import ItemError
from panels.normalise import BadValue
from panels.order_types import order_type_key

Raw = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Service:
    service_id: str
    name: str
    type: str  # normalised order type key, see panels.order_types
    raw_type: str
    category: str
    rate: Decimal  # price per 1000 units (per package for flat types), panel's currency
    min: int
    max: int
    refill: bool
    cancel: bool
    dripfeed: bool
    description: str
    refill_days: int | None
    raw: Raw = field(repr=False)
    notes: tuple[str, ...] = ()  # kept, but something in the entry was read as unknown


@dataclass(frozen=True, slots=True)
class SkippedService:
    """A catalog entry set aside (no id, no usable price, limits that make no sense...), kept
    with the reason in plain words ("service 17: rate 1E+309 is too large to be real")."""

    raw: Any
    problem: str


@dataclass(frozen=True, slots=True)
class Catalog:
    services: list[Service]
    skipped: list[SkippedService]


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    order_id: str
    raw: Raw = field(repr=False)
    answer: str = field(default="", repr=False)  # the answer's text, as the client kept it


@dataclass(frozen=True, slots=True)
class OrderStatus:
    order_id: str
    status: str  # normalised, see panels.normalise.Status
    raw_status: str
    charge: Decimal | None
    start_count: int | None
    remains: int | None
    currency: str
    runs: int | None = None  # drip-feed: runs done
    child_order_ids: tuple[str, ...] = ()  # drip-feed: the orders each run created
    posts: int | None = None  # subscriptions
    raw: Raw = field(default_factory=dict, repr=False)

    @property
    def is_final(self) -> bool:
        return self.status in normalise.Status.FINAL


@dataclass(frozen=True, slots=True)
class RefillCreated:
    order_id: str
    refill_id: str | None
    error: ItemError | None
    raw: Any = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RefillState:
    refill_id: str
    status: str | None  # normalised, see panels.normalise.RefillStatus; None with an error
    raw_status: str
    error: ItemError | None
    raw: Any = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class CancelResult:
    order_id: str
    accepted: bool
    error: ItemError | None
    raw: Any = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Balance:
    amount: Decimal | None  # None when the panel's balance cannot be used: see `problem`
    currency: str
    raw: Raw = field(repr=False)
    problem: str = ""  # why the balance cannot be used, in plain words


class ShapeError(ValueError):
    """Valid JSON, but not the shape this action answers with."""


def _require_object(data: Any, what: str) -> Raw:
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object for {what}, got {type(data).__name__}")
    return data


def _items(data: Any, what: str) -> list[Any]:
    """Batch answers are lists; a few panels send an object keyed by id instead."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return list(data.values())
    raise ShapeError(f"expected a JSON list for {what}, got {type(data).__name__}")


def parse_service(item: Any) -> Service | SkippedService:
    """One catalog entry. An entry whose id or price cannot be used (or stored) is set aside
    with a plain reason; texts too long for their columns are shortened; a nonsense refill time
    keeps the service with refill days unknown and a note."""
    if not isinstance(item, dict):
        return SkippedService(raw=item, problem="an entry that is not a JSON object")
    try:
        service_id = _service_id(item.get("service"))
    except normalise.BadValue as exc:
        return SkippedService(raw=item, problem=f"an entry whose {exc}")
    if service_id is None:
        return SkippedService(raw=item, problem="an entry with no service id")
    notes: list[str] = []
    try:
        rate = _rate(item.get("rate"))
        low, high = _limits(item)
    except normalise.BadValue as exc:
        return SkippedService(raw=item, problem=f"service {service_id}: {exc}")
    refill_days = _refill_days(item.get("refill_time"), notes)
    raw_type = _text(item.get("type"), TEXT_LIMITS["raw_type"]) or "Default"
    description = item.get("description", item.get("desc"))
    return Service(
        service_id=service_id,
        name=_text(item.get("name"), TEXT_LIMITS["name"]) or f"Service {service_id}",
        type=order_type_key(raw_type),
        raw_type=raw_type,
        category=_text(item.get("category"), TEXT_LIMITS["category"]),
        rate=rate,
        min=low,
        max=high,
        refill=normalise.to_bool(item.get("refill")),
        cancel=normalise.to_bool(item.get("cancel")),
        dripfeed=normalise.to_bool(item.get("dripfeed")),
        description=_text(description),
        refill_days=refill_days,
        raw=item,
        notes=tuple(f"service {service_id}: {note}" for note in notes),
    )


def parse_catalog(data: Any) -> Catalog:
    """Every usable entry, and every other one set aside with its reason. One broken entry
    never stops the others from being read."""
    services: list[Service] = []
    skipped: list[SkippedService] = []
    seen: set[str] = set()
    for item in _items(data, "services"):
        try:
            parsed = parse_service(item)
        except Exception:  # one unreadable entry must not stop the others
            parsed = SkippedService(raw=item, problem="an entry that could not be read")
        if isinstance(parsed, Service) and parsed.service_id in seen:
            parsed = SkippedService(raw=item, problem=f"service {parsed.service_id}: listed twice")
        if isinstance(parsed, Service):
            seen.add(parsed.service_id)
            services.append(parsed)
        else:
            skipped.append(parsed)
    return Catalog(services=services, skipped=skipped)


ORDER_ID_MAX = 100  # Order.remote_id's column


def order_id_of(value: Any) -> str:
    """The order id of an `add` answer as we store it, or ShapeError saying plainly why not.

    Numbers (and text that reads as one) must be positive whole numbers; other text must be
    short, printable and free of spaces and commas (ids are sent back comma-separated).
    """
    if value is None or isinstance(value, bool | dict | list):
        raise ShapeError("the answer to add has no order id")
    if isinstance(value, int | float | Decimal):
        return _numeric_id(Decimal(value) if isinstance(value, int) else Decimal(str(value)))
    if not isinstance(value, str):
        raise ShapeError("the answer to add has no order id")
    text = value.strip()
    if not text:
        raise ShapeError("the order id is empty")
    if len(text) > ORDER_ID_MAX:
        raise ShapeError(f"the order id is longer than {ORDER_ID_MAX} characters")
    if "," in text or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ShapeError("the order id contains spaces, commas or control characters")
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text  # an id that is not a number, such as "ord_01HG..."
    if not text.isascii() or not text.isdigit():
        raise ShapeError(f"the order id {text!r} is not a positive whole number")
    _numeric_id(number)
    return text


def _numeric_id(number: Decimal) -> str:
    if not number.is_finite():
        raise ShapeError("the order id is not a number")
    if number.adjusted() >= ORDER_ID_MAX:
        raise ShapeError(f"the order id is longer than {ORDER_ID_MAX} digits")
    if number != number.to_integral_value():
        raise ShapeError(f"the order id {number} is not a whole number")
    if number <= 0:
        raise ShapeError(f"the order id {number} is not a positive number")
    return str(int(number))


def parse_order_placed(data: Any, *, answer: str = "") -> OrderPlaced:
    obj = _require_object(data, "add")
    return OrderPlaced(order_id=order_id_of(obj.get("order")), raw=obj, answer=answer)


def parse_order_status(order_id: str, data: Any) -> OrderStatus | ItemError:
    """The answer to `status` with one `order`. A malformed answer (no status, a remains of
    1e30...) concerns that order only: an UnusableAnswer says why, nothing is raised."""
    return _status_entry(order_id, data)


def _status_entry(order_id: str, value: Any) -> OrderStatus | ItemError:
    text = normalise.error_text(value)
    if text:
        return ItemError.from_text(text)
    if not isinstance(value, dict):
        return UnusableAnswer.because("status", f"it is {shown(value)}, not an object")
    try:
        return _order_status(order_id, value)
    except BadValue as exc:
        return UnusableAnswer.because("status", str(exc))


def _order_status(order_id: str, obj: Raw) -> OrderStatus:
    if "status" not in obj:
        raise BadValue("it has no status")
    raw_status = answer_values.status_text(obj.get("status"))
    children = obj.get("orders")
    return OrderStatus(
        order_id=order_id,
        status=normalise.order_status(raw_status),
        raw_status=raw_status,
        charge=answer_values.money(obj, "charge"),
        start_count=answer_values.count(obj, "start_count", field="start count"),
        remains=answer_values.count(obj, "remains"),
        currency=answer_values.currency(obj.get("currency")),
        runs=answer_values.count(obj, "runs", limit=normalise.SMALL_LIMIT),
        child_order_ids=tuple(
            answer_values.remote_id(child, field="child order id") for child in children
        )
        if isinstance(children, list)
        else (),
        posts=answer_values.count(obj, "posts", limit=normalise.SMALL_LIMIT),
        raw=obj,
    )


def parse_status_batch(order_ids: list[str], data: Any) -> dict[str, OrderStatus | ItemError]:
    """The answer to `status` with `orders`: an object keyed by order id. Each entry is read on
    its own; one that cannot be used is an UnusableAnswer for that order, not a failed call."""
    if len(order_ids) == 1 and _single_form(order_ids[0], data):
        # Asked about one order, the panel answered as for `order=`: that order's entry.
        return {order_ids[0]: _status_entry(order_ids[0], data)}
    obj = _require_object(data, "status with orders")
    by_id = {normalise.to_id(key): value for key, value in obj.items()}
    results: dict[str, OrderStatus | ItemError] = {}
    for order_id in order_ids:
        if order_id not in by_id:
            results[order_id] = ItemError(text="", reason="missing")
            continue
        results[order_id] = _status_entry(order_id, by_id[order_id])
    return results


_STATUS_KEYS = frozenset({"status", "charge", "remains", "start_count"})


def _single_form(order_id: str, data: Any) -> bool:
    if not isinstance(data, dict):
        return True
    keys = {normalise.to_id(key) for key in data}
    return order_id not in keys and bool(_STATUS_KEYS & set(data))


def _item_id(item: Any, key: str) -> str | None:
    return normalise.to_id(item.get(key)) if isinstance(item, dict) else None


def parse_refill_created(order_id: str, data: Any) -> RefillCreated:
    obj = _require_object(data, "refill")
    if obj.get("refill") is None:
        raise ShapeError("the answer to refill has no refill id")
    try:
        refill_id = answer_values.remote_id(obj.get("refill"), field="refill id")
    except BadValue as exc:
        raise ShapeError(f"the answer to refill is unusable: {exc}") from None
    return RefillCreated(order_id=order_id, refill_id=refill_id, error=None, raw=obj)


def parse_refill_batch(order_ids: list[str], data: Any) -> dict[str, RefillCreated]:
    results: dict[str, RefillCreated] = {}
    for item in _items(data, "refill with orders"):
        order_id = _item_id(item, "order")
        if order_id is None:
            continue
        value = item.get("refill")
        text = normalise.error_text(value)
        if text:
            results[order_id] = RefillCreated(order_id, None, ItemError.from_text(text), raw=item)
            continue
        try:
            refill_id = answer_values.remote_id(value, field="refill id")
        except BadValue as exc:
            error = UnusableAnswer.because("refill", f"{exc}; the panel may have created it")
            results[order_id] = RefillCreated(order_id, None, error, raw=item)
            continue
        results[order_id] = RefillCreated(order_id, refill_id, None, raw=item)
    return _fill_missing(order_ids, results, lambda i: RefillCreated(i, None, _MISSING))


def parse_refill_state(refill_id: str, data: Any) -> RefillState:
    obj = _require_object(data, "refill_status")
    return _refill_state(refill_id, obj.get("status"), obj)


def _refill_state(refill_id: str, value: Any, raw: Any) -> RefillState:
    text = normalise.error_text(value)
    if text:
        return RefillState(refill_id, None, "", ItemError.from_text(text), raw=raw)
    try:
        raw_status = answer_values.status_text(value)
    except BadValue as exc:
        error = UnusableAnswer.because("refill status", str(exc))
        return RefillState(refill_id, None, "", error, raw=raw)
    return RefillState(refill_id, normalise.refill_status(raw_status), raw_status, None, raw=raw)


def parse_refill_state_batch(refill_ids: list[str], data: Any) -> dict[str, RefillState]:
    results: dict[str, RefillState] = {}
    for item in _items(data, "refill_status with refills"):
        refill_id = _item_id(item, "refill")
        if refill_id is not None:
            results[refill_id] = _refill_state(refill_id, item.get("status"), item)
    return _fill_missing(refill_ids, results, lambda i: RefillState(i, None, "", _MISSING))


_CANCEL_YES = frozenset({"1", "true", "yes", "y", "on", "ok", "success", "accepted"})
_CANCEL_NO = frozenset({"0", "false", "no", "n", "off"})


def _cancel_word(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        return str(int(number)) if number in (0, 1) else None
    return value.strip().lower() if isinstance(value, str) else None


def parse_cancel_batch(order_ids: list[str], data: Any) -> dict[str, CancelResult]:
    results: dict[str, CancelResult] = {}
    for item in _items(data, "cancel"):
        order_id = _item_id(item, "order")
        if order_id is None:
            continue
        value = item.get("cancel")
        text = normalise.error_text(value)
        if text:
            results[order_id] = CancelResult(order_id, False, ItemError.from_text(text), raw=item)
            continue
        word = _cancel_word(value)
        if word in _CANCEL_YES:
            results[order_id] = CancelResult(order_id, True, None, raw=item)
        elif word in _CANCEL_NO:
            error = ItemError(text=f"The panel did not accept the cancel (it answered {word}).",
                              reason="unknown")  # fmt: skip
            results[order_id] = CancelResult(order_id, False, error, raw=item)
        else:
            problem = f"cancel {shown(value)} is neither yes nor no; the panel may have done it"
            error = UnusableAnswer.because("cancel", problem)
            results[order_id] = CancelResult(order_id, False, error, raw=item)
    return _fill_missing(order_ids, results, lambda i: CancelResult(i, False, _MISSING))


def parse_balance(data: Any) -> Balance:
    """The answer to `balance`. A balance that is missing, unreadable, negative or too large
    to be real has `amount` None and `problem` saying why: the stored balance stays."""
    obj = _require_object(data, "balance")
    if "balance" not in obj:
        raise ShapeError("the answer to balance has no balance")  # not a balance answer at all
    found = answer_values.currency(obj.get("currency"))
    try:
        amount = answer_values.money(obj, "balance")
    except BadValue as exc:
        return Balance(amount=None, currency=found, raw=obj, problem=f"the {exc}")
    if amount is None:
        value = obj.get("balance")
        problem = ("the balance is empty (null)" if value is None
                   else f"the balance {shown(value)} is not a number")  # fmt: skip
        return Balance(amount=None, currency=found, raw=obj, problem=problem)
    return Balance(amount=amount, currency=found, raw=obj)


_MISSING = ItemError(text="", reason="missing")


def _fill_missing(
    ids: list[str], results: dict[str, T], missing: Callable[[str], T]
) -> dict[str, T]:
    """Answers in the order asked; ids the panel left out get a 'missing' error."""
    return {i: results[i] if i in results else missing(i) for i in ids}
