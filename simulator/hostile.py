"""Hostile answers: the panel ran the action (its ledger is the truth), the answer lies.

`spoil` turns the panel's real answer into what a hostile panel sends, and says what it spoiled
(for the request log); `encode` writes it, with `Raw` values as bare JSON text (`1e309`, `NaN`),
which `json.dumps` cannot produce.

- `malformed_status`: targeted `status` entries (single `order=` and batch `orders=`) are broken
  one way each: MALFORMED_VARIANTS. Default targets: orders with an even sequence number.
- `out_of_range`: targeted `services` entries get one out-of-range value each (default: the
  first services listed, one per variant); `add` answers a hostile order id for the order it
  really created (default: every add); `balance` answers 1e30.
- `decimal_comma`: money (services' rate, status' charge, balance) as text with a decimal comma.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .dialects import Dialect
from .faults import (
    DECIMAL_COMMA,
    MALFORMED_STATUS,
    MALFORMED_VARIANTS,
    OUT_OF_RANGE,
    OUT_OF_RANGE_VARIANTS,
    FaultRule,
)

# Order sequence number (1, 2... in the panel's ledger) of an order id, None if unknown.
SeqOf = Callable[[str], int | None]

DEFAULT_STATUS_EVERY = 2
LONG_ID = "ord-" + "7" * 296  # 300 characters


@dataclass(frozen=True)
class Raw:
    """A value written as this JSON text, unquoted."""

    text: str


@dataclass(frozen=True)
class Spoiled:
    payload: Any
    # What was changed, in plain words; None when nothing was (e.g. an error answer).
    detail: str | None = None


def spoil(
    rule: FaultRule, action: str, params: Mapping[str, str], payload: Any, seq_of: SeqOf
) -> Spoiled:
    """What `rule` makes of the panel's answer `payload` to `action`."""
    if rule.fault == MALFORMED_STATUS and action == "status":
        return _status(rule, params, payload, seq_of)
    if rule.fault == OUT_OF_RANGE:
        if action == "services" and isinstance(payload, list):
            return _services(rule, payload)
        if action == "add" and isinstance(payload, dict) and "order" in payload:
            return _add(rule, payload, seq_of)
        if action == "balance" and isinstance(payload, dict) and "balance" in payload:
            return _balance(rule, payload)
    if rule.fault == DECIMAL_COMMA:
        return _decimal_comma(action, params, payload)
    return Spoiled(payload)


def encode(dialect: Dialect, payload: Any) -> bytes:
    """The dialect's JSON for `payload`, with each `Raw` value as its bare text."""
    raws: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"\x00raw{len(raws) - 1}\x00"
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list):
            return [swap(item) for item in value]
        return value

    body = dialect.encode(swap(payload))
    for index, text in enumerate(raws):
        body = body.replace(json.dumps(f"\x00raw{index}\x00").encode(), text.encode())
    return body


# malformed_status ------------------------------------------------------------------------------


def _status(rule: FaultRule, params: Mapping[str, str], payload: Any, seq_of: SeqOf) -> Spoiled:
    if not rule.targeted:
        rule = dataclasses.replace(rule, every=DEFAULT_STATUS_EVERY)
    notes: list[str] = []
    if params.get("orders", "").strip():
        if not isinstance(payload, dict):
            return Spoiled(payload)
        out = {key: _malform(rule, key, entry, seq_of, notes) for key, entry in payload.items()}
    else:
        out = _malform(rule, params.get("order", "").strip(), payload, seq_of, notes)
    return Spoiled(out, _detail("malformed", notes))


def _malform(rule: FaultRule, token: str, entry: Any, seq_of: SeqOf, notes: list[str]) -> Any:
    if not isinstance(entry, dict) or "error" in entry:
        return entry
    seq = seq_of(token)
    rank = rule.rank(token, seq) if seq is not None else None
    variant = rule.pick(rank, MALFORMED_VARIANTS) if rank is not None else None
    if variant is None:
        return entry
    notes.append(f"{token} {variant}")
    if variant == "string":
        return str(entry.get("status", "Completed"))
    if variant == "null":
        return None
    out = dict(entry)
    if variant == "no_status":
        out.pop("status", None)
    else:
        field, value = {
            "remains_huge": ("remains", "1e30"),
            "charge_huge": ("charge", "1000000000000.5"),
            "remains_negative": ("remains", "-5"),
            "charge_negative": ("charge", "-1.50000"),
            "start_count_negative": ("start_count", "-100"),
        }[variant]
        out[field] = value
    return out


# out_of_range ----------------------------------------------------------------------------------

SERVICE_VALUES: dict[str, tuple[str, Any]] = {
    "rate_inf": ("rate", Raw("1e309")),
    "rate_huge": ("rate", "1000000000000.5"),
    "min_huge": ("min", 2**63),
    "max_huge": ("max", 2**64),
    "refill_time_huge": ("refill_time", str(2**63)),
}
ORDER_IDS: dict[str, Any] = {
    "id_inf": Raw("1e309"),
    "id_long": LONG_ID,
    "id_nan": Raw("NaN"),
    "id_zero": 0,
    "id_negative": -5,
    "id_fraction": 12.5,
}
BALANCES: dict[str, Any] = {"balance_huge": "1e30", "balance_huge_number": Raw("1e30")}


def _services(rule: FaultRule, payload: list[Any]) -> Spoiled:
    names = OUT_OF_RANGE_VARIANTS["services"]
    ids = [str(entry.get("service")) for entry in payload if isinstance(entry, dict)]
    if not rule.targeted:
        chosen = names if rule.variants is None else [v for v in rule.variants if v in names]
        rule = dataclasses.replace(rule, targets=tuple(ids[: len(chosen)]))
    notes: list[str] = []
    out: list[Any] = []
    for entry in payload:
        sid = str(entry.get("service")) if isinstance(entry, dict) else ""
        rank = rule.rank(sid, int(sid) if sid.isdigit() else 0) if sid else None
        variant = rule.pick(rank, names) if rank is not None else None
        if variant is None:
            out.append(entry)
            continue
        field, value = SERVICE_VALUES[variant]
        out.append({**entry, field: value})
        notes.append(f"{sid} {variant}")
    return Spoiled(out, _detail("out of range", notes))


def _add(rule: FaultRule, payload: dict[str, Any], seq_of: SeqOf) -> Spoiled:
    order_id = str(payload["order"])
    seq = seq_of(order_id)
    rank = rule.rank(order_id, seq) if seq is not None else None
    variant = rule.pick(rank, OUT_OF_RANGE_VARIANTS["add"]) if rank is not None else None
    if variant is None:
        return Spoiled(payload)
    hostile = ORDER_IDS[variant]
    shown = hostile.text if isinstance(hostile, Raw) else json.dumps(hostile)[:20]
    return Spoiled({**payload, "order": hostile}, f"order {order_id} answered as {shown}")


def _balance(rule: FaultRule, payload: dict[str, Any]) -> Spoiled:
    variant = rule.pick(0, OUT_OF_RANGE_VARIANTS["balance"])
    if variant is None:
        return Spoiled(payload)
    return Spoiled({**payload, "balance": BALANCES[variant]}, f"balance {variant}")


# decimal_comma ---------------------------------------------------------------------------------


def comma(value: Any) -> Any:
    """Money as text with a decimal comma: "0.27" -> "0,27", 1.5 -> "1,5"."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return value
    text = value if isinstance(value, str) else str(Decimal(str(value)))
    return text.replace(".", ",")


def _decimal_comma(action: str, params: Mapping[str, str], payload: Any) -> Spoiled:
    field = {"services": "rate", "status": "charge", "balance": "balance"}.get(action)
    if field is None:
        return Spoiled(payload)
    if action == "status" and params.get("orders", "").strip() and isinstance(payload, dict):
        entries: Any = dict(payload)
        for token, entry in entries.items():
            if isinstance(entry, dict) and field in entry:
                entries[token] = {**entry, field: comma(entry[field])}
    elif isinstance(payload, list):
        entries = [
            {**entry, field: comma(entry[field])}
            if isinstance(entry, dict) and field in entry
            else entry
            for entry in payload
        ]
    elif isinstance(payload, dict) and field in payload:
        entries = {**payload, field: comma(payload[field])}
    else:
        return Spoiled(payload)
    return Spoiled(entries, f"{field} with a decimal comma")


def _detail(what: str, notes: list[str]) -> str | None:
    return f"{what}: {', '.join(notes)}" if notes else None
