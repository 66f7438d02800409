"""The `services` answer: the catalog, each entry read or set aside with its reason."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from panels.api import normalise
from panels.api.catalog_values import TEXT_LIMITS
from panels.api.catalog_values import limits as _limits
from panels.api.catalog_values import rate as _rate
from panels.api.catalog_values import refill_days as _refill_days
from panels.api.catalog_values import service_id as _service_id
from panels.api.catalog_values import stored_text as _text
from panels.api.order_types import order_type_key
from panels.api.results.base import (
    Raw,
    items,
)


@dataclass(frozen=True, slots=True)
class Service:
    service_id: str
    name: str
    type: str  # normalised order type key, see panels.api.order_types
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
    for parsed in catalog_entries(items(data, "services")):
        if isinstance(parsed, Service):
            services.append(parsed)
        else:
            skipped.append(parsed)
    return Catalog(services=services, skipped=skipped)


def catalog_entries(entries: Iterable[Any]) -> Iterator[Service | SkippedService]:
    """Each entry read (`parse_service`), one at a time: a service listed twice is set aside
    the second time."""
    seen: set[str] = set()
    for item in entries:
        try:
            parsed = parse_service(item)
        except Exception:  # one unreadable entry must not stop the others
            parsed = SkippedService(raw=item, problem="an entry that could not be read")
        if isinstance(parsed, Service):
            if parsed.service_id in seen:
                parsed = SkippedService(
                    raw=item, problem=f"service {parsed.service_id}: listed twice"
                )
            else:
                seen.add(parsed.service_id)
        yield parsed
