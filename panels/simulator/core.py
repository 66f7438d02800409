"""The simulator without HTTP: dialect stores, the simulated clock, request stats, faults."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from .actions import Context, dispatch
from .dialects import BAD_KEY, DIALECTS, Dialect
from .faults import FaultRule, Faults
from .store import DialectStore, write_json_atomic


class Clock:
    """Real time plus an offset that `advance` moves, so tests never sleep through stages.

    The offset is persisted: orders carry simulated timestamps, and forgetting the offset on
    restart would put them in the future.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self.offset = 0.0
        if path.exists():
            self.offset = float(json.loads(path.read_text(encoding="utf-8"))["offset"])

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += seconds
            write_json_atomic(self._path, {"offset": self.offset})

    def reset(self) -> None:
        with self._lock:
            self.offset = 0.0
            write_json_atomic(self._path, {"offset": self.offset})


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {}

    def count(self, dialect: str, action: str) -> None:
        with self._lock:
            self._counts.setdefault(dialect, Counter())[action or "(none)"] += 1

    def snapshot(self, dialect: str | None = None) -> dict[str, Any]:
        with self._lock:
            if dialect is not None:
                return _stats_json(self._counts.get(dialect, Counter()))
            total: Counter[str] = Counter()
            for counts in self._counts.values():
                total.update(counts)
            out = _stats_json(total)
            out["dialects"] = {name: _stats_json(c) for name, c in sorted(self._counts.items())}
            return out

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


def _stats_json(counts: Counter[str]) -> dict[str, Any]:
    return {"requests": dict(sorted(counts.items())), "total": sum(counts.values())}


class Simulator:
    def __init__(
        self,
        *,
        state_dir: Path,
        keys: Iterable[str],
        dialect: str,
        stage_seconds: float,
        balance: Decimal,
        currency: str,
        fault: FaultRule | None = None,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
        if stage_seconds <= 0:
            raise ValueError("stage_seconds must be positive")
        self.state_dir = state_dir
        self.keys = frozenset(keys)
        self.default_dialect = DIALECTS[dialect]
        self.stage_seconds = stage_seconds
        self.clock = Clock(state_dir / "_clock.json")
        self.stats = Stats()
        self.faults = Faults(fault)
        self.stores = {
            name: DialectStore(state_dir / f"{name}.json", balance=balance, currency=currency)
            for name in DIALECTS
        }

    def dialect(self, name: str | None) -> Dialect:
        if name is None:
            return self.default_dialect
        if name not in DIALECTS:
            raise KeyError(name)
        return DIALECTS[name]

    def answer(self, dialect: Dialect, params: Mapping[str, str], *, from_json: bool) -> Any:
        if (dialect.json_only and not from_json) or params.get(dialect.key_field) not in self.keys:
            return dialect.error(BAD_KEY)
        ctx = Context(dialect, self.stores[dialect.name], self.clock.now(), self.stage_seconds)
        return dispatch(ctx, params)

    def reset(self, *, state: bool = False, dialect: str | None = None) -> None:
        """Forget stats and faults; with `state`, also orders, refills, balance (and clock)."""
        self.stats.reset()
        self.faults.set(None)
        if not state:
            return
        names = [self.dialect(dialect).name] if dialect is not None else list(DIALECTS)
        for name in names:
            self.stores[name].reset()
        if dialect is None:
            self.clock.reset()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.clock.advance(seconds)

    def set_balance(self, balance: Decimal, dialect: str | None = None) -> None:
        self.stores[self.dialect(dialect).name].set_balance(balance)

    def dump(self, dialect: str | None = None) -> dict[str, Any]:
        name = self.dialect(dialect).name
        store = self.stores[name]
        with store.lock:
            store.settle(self.clock.now())
            store.save_if_dirty()
            return {"dialect": name, **store.dump(self.clock.now())}
