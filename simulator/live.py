"""A catalog that changes at run time: its generated table plus an `Overlay` of changes.

The overlay holds removed ids, changed fields and added services; it is all that needs saving,
since the generated table is the same on every run. Removed services vanish from `services` and
from `add`, but orders placed on them keep their refill and cancel rules (`Catalog.find`).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import DEFAULT, TYPE_RULES, Service, make_service

EDITABLE = frozenset(
    {"name", "category", "rate", "min", "max", "refill", "cancel", "dripfeed", "description"}
)
ADDABLE = EDITABLE | {"id", "type", "refill_time"}
# What `reprice` multiplies a rate by when no factor is given.
REPRICE_FACTORS = ("0.80", "0.90", "0.95", "1.05", "1.10", "1.25")


@dataclass
class Overlay:
    removed: set[int] = field(default_factory=set)
    changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    added: dict[int, Service] = field(default_factory=dict)

    def copy(self) -> Overlay:
        changes = {sid: dict(change) for sid, change in self.changes.items()}
        return Overlay(set(self.removed), changes, dict(self.added))

    def to_json(self) -> dict[str, Any]:
        return {
            "removed": sorted(self.removed),
            "changes": {str(sid): change for sid, change in self.changes.items()},
            "added": [dataclasses.asdict(service) for service in self.added.values()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Overlay:
        return cls(
            removed={int(sid) for sid in data.get("removed", ())},
            changes={int(sid): dict(change) for sid, change in data.get("changes", {}).items()},
            added={int(item["id"]): Service(**item) for item in data.get("added", ())},
        )


@dataclass(frozen=True)
class _View:
    listed: tuple[Service, ...]
    by_id: dict[int, Service]
    # Removed services too: orders placed on them still need their flags.
    everything: dict[int, Service]


class Catalog:
    """One catalog. Readers take an immutable view; changes swap in a new one under a lock."""

    def __init__(self, name: str, generated: tuple[Service, ...], overlay: Overlay) -> None:
        self.name = name
        self._generated = generated
        self.overlay = overlay
        self.lock = threading.RLock()
        self._view = self._build()

    def _build(self) -> _View:
        everything = {service.id: service for service in self._generated}
        everything.update(self.overlay.added)
        for sid, change in self.overlay.changes.items():
            if sid in everything:
                everything[sid] = dataclasses.replace(everything[sid], **change)
        removed = self.overlay.removed
        listed = tuple(s for s in everything.values() if s.id not in removed)
        return _View(listed, {service.id: service for service in listed}, everything)

    def _refresh(self) -> None:
        self._view = self._build()

    @property
    def services(self) -> tuple[Service, ...]:
        """The services `services` lists, in order."""
        return self._view.listed

    def get(self, sid: int) -> Service | None:
        """A listed service (what `add` accepts)."""
        return self._view.by_id.get(sid)

    def find(self, sid: int) -> Service | None:
        """Any service this catalog has had, removed ones included."""
        return self._view.everything.get(sid)

    @contextmanager
    def batch(self) -> Iterator[Catalog]:
        """All changes inside apply together, or (on an exception) none of them."""
        with self.lock:
            saved = self.overlay.copy()
            try:
                yield self
            except BaseException:
                self.overlay = saved
                self._refresh()
                raise

    def _known(self, ids: Iterable[int]) -> list[int]:
        out = [int(sid) for sid in ids]
        for sid in out:
            if sid not in self._view.everything:
                raise KeyError(f"service {sid}")
        return out

    def remove(self, ids: Iterable[int]) -> list[int]:
        with self.lock:
            out = self._known(ids)
            self.overlay.removed.update(out)
            self._refresh()
            return out

    def restore(self, ids: Iterable[int] | None = None) -> list[int]:
        """Bring removed services back (all of them without `ids`)."""
        with self.lock:
            out = sorted(self.overlay.removed) if ids is None else self._known(ids)
            self.overlay.removed.difference_update(out)
            self._refresh()
            return out

    def update(self, sid: int, changes: Mapping[str, Any]) -> Service:
        with self.lock:
            (sid,) = self._known([sid])
            unknown = set(changes) - EDITABLE
            if unknown:
                raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
            current = self._view.everything[sid]
            clean = {name: _coerce(name, value) for name, value in changes.items()}
            if "refill" in clean:
                refill_time = current.refill_time if current.refill_time != "0" else "30"
                clean["refill_time"] = refill_time if clean["refill"] else "0"
            _check(dataclasses.replace(current, **clean))
            self.overlay.changes[sid] = {**self.overlay.changes.get(sid, {}), **clean}
            self._refresh()
            return self._view.everything[sid]

    def add(self, fields: Mapping[str, Any]) -> Service:
        """A new service, listed last; `id` defaults to one more than the highest id."""
        with self.lock:
            unknown = set(fields) - ADDABLE
            if unknown:
                raise ValueError(f"unknown service fields: {', '.join(sorted(unknown))}")
            taken = self._view.everything
            sid = int(fields["id"]) if fields.get("id") is not None else max(taken, default=0) + 1
            if sid in taken or sid < 1:
                raise ValueError(f"service id {sid} is taken or not positive")
            stype = str(fields.get("type") or DEFAULT)
            if stype not in TYPE_RULES:
                raise ValueError(f"unknown type {stype!r}")
            flat = TYPE_RULES[stype].flat
            c = {name: _coerce(name, value) for name, value in fields.items() if name != "id"}
            service = make_service(
                sid,
                str(c["name"]),
                stype,
                str(c.get("category") or "New Services"),
                str(c["rate"]),
                (int(c.get("min", 1 if flat else 100)), int(c.get("max", 1 if flat else 10000))),
                refill=bool(c.get("refill", False)),
                cancel=bool(c.get("cancel", False)),
                dripfeed=bool(c.get("dripfeed", False)),
            )
            extra = {name: c[name] for name in ("description", "refill_time") if name in c}
            service = dataclasses.replace(service, **extra)
            _check(service)
            self.overlay.added[sid] = service
            self._refresh()
            return service

    def reprice(
        self, fraction: float = 0.05, *, factor: str | float | None = None, seed: int = 0
    ) -> list[int]:
        """Change the rate of round(fraction x listed services), chosen by `seed`.

        Each chosen rate is multiplied by `factor`, or without one by a factor picked (by the
        same seed) from `REPRICE_FACTORS`; rounding never leaves a rate as it was.
        """
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        scale = Decimal(str(factor)) if factor is not None else None
        if scale is not None and (not scale.is_finite() or scale <= 0 or scale == 1):
            raise ValueError("factor must be a positive number other than 1")
        with self.lock:
            listed = [s for s in self.services if Decimal(s.rate) > 0]
            rng = random.Random(seed)
            chosen = sorted(s.id for s in rng.sample(listed, round(fraction * len(listed))))
            for sid in chosen:
                multiplier = scale if scale is not None else Decimal(rng.choice(REPRICE_FACTORS))
                rate = _scaled(self._view.everything[sid].rate, multiplier)
                self.overlay.changes[sid] = {**self.overlay.changes.get(sid, {}), "rate": rate}
            self._refresh()
            return chosen

    def reset(self) -> None:
        with self.lock:
            self.overlay = Overlay()
            self._refresh()

    def summary(self) -> dict[str, Any]:
        overlay = self.overlay
        return {
            "catalog": self.name,
            "services": len(self.services),
            "removed": sorted(overlay.removed),
            "changed": sorted(overlay.changes),
            "added": sorted(overlay.added),
        }


def _coerce(name: str, value: Any) -> Any:
    if name in ("refill", "cancel", "dripfeed"):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if name in ("min", "max"):
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name} must be a whole number")
        return value
    if name == "rate":
        try:
            rate = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("rate must be a number") from None
        if not rate.is_finite() or rate < 0:
            raise ValueError("rate must be a non-negative number")
        return str(rate)
    text = str(value).strip()
    if not text and name in ("name", "type"):
        raise ValueError(f"{name} must not be empty")
    return text


def _check(service: Service) -> None:
    if service.min < 1 or service.max < service.min:
        raise ValueError(f"service {service.id}: need 1 <= min <= max")


def _scaled(rate: str, multiplier: Decimal) -> str:
    old = Decimal(rate)
    exponent = old.as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 0)
    new = old * multiplier
    for extra in range(8):
        rounded = new.quantize(Decimal(1).scaleb(-(places + extra)))
        if rounded != old and rounded > 0:
            return str(rounded)
    return str(new)
