"""The simulator without HTTP: catalogs, stores, the simulated clock, request stats, faults.

Each (dialect, catalog) pair is its own simulated panel with its own store (balance, orders):
`<state-dir>/<dialect>.json` for the base catalog, `<dialect>.<catalog>.json` for the others.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

from .actions import Context, dispatch
from .catalogs import CATALOG_NAMES, DEFAULT_CATALOG, Catalogs, check_name
from .dialects import BAD_KEY, DIALECTS, Dialect
from .faults import BILLING_FAULT_NAMES, FaultRule, Faults
from .live import Catalog
from .requests_log import RequestLog
from .store import DialectStore, write_json_atomic


class Clock:
    """Real time plus an offset that `advance` moves, so tests never sleep through stages.

    A frozen clock stands still between `advance` calls: it starts at the time it was made, so
    a test's figures (units delivered, refunds) do not depend on how long the machine took
    between two requests.

    The offset (and a frozen clock's start) is persisted: orders carry simulated timestamps,
    and forgetting the offset on restart would put them in the future.
    """

    def __init__(self, path: Path, *, frozen: bool = False) -> None:
        self._path = path
        self._lock = threading.Lock()
        self.offset = 0.0
        self._frozen_at: float | None = time.time() if frozen else None
        if path.exists():
            saved = json.loads(path.read_text(encoding="utf-8"))
            self.offset = float(saved["offset"])
            if frozen and saved.get("frozen_at") is not None:
                self._frozen_at = float(saved["frozen_at"])

    def now(self) -> float:
        base = time.time() if self._frozen_at is None else self._frozen_at
        return base + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += seconds
            self._save()

    def reset(self) -> None:
        with self._lock:
            self.offset = 0.0
            self._save()

    def _save(self) -> None:
        write_json_atomic(self._path, {"offset": self.offset, "frozen_at": self._frozen_at})


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
        catalog: str = DEFAULT_CATALOG,
        catalog_size: int | None = None,
        frozen_clock: bool = False,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
        if stage_seconds <= 0:
            raise ValueError("stage_seconds must be positive")
        self.state_dir = state_dir
        self.keys = frozenset(keys)
        self.default_dialect = DIALECTS[dialect]
        self.default_catalog = check_name(catalog)
        self.stage_seconds = stage_seconds
        self.clock = Clock(state_dir / "_clock.json", frozen=frozen_clock)
        self.stats = Stats()
        self.requests = RequestLog()
        self.faults = Faults(fault)
        self.catalogs = Catalogs(state_dir / "_catalog.json", size=catalog_size)
        self.catalogs.get(self.default_catalog)  # build it now: fail early, answer fast
        self._balance = balance
        self._currency = currency
        self._stores: dict[tuple[str, str], DialectStore] = {}
        self._stores_lock = threading.Lock()

    def dialect(self, name: str | None) -> Dialect:
        if name is None:
            return self.default_dialect
        if name not in DIALECTS:
            raise KeyError(name)
        return DIALECTS[name]

    def catalog_name(self, name: str | None) -> str:
        return self.default_catalog if name is None else check_name(name)

    def _store_path(self, dialect: str, catalog: str) -> Path:
        suffix = "" if catalog == DEFAULT_CATALOG else f".{catalog}"
        return self.state_dir / f"{dialect}{suffix}.json"

    def catalog(self, name: str | None = None) -> Catalog:
        """A live catalog (the server's by default)."""
        return self.catalogs.get(self.catalog_name(name))

    def change_catalog(self, name: str | None = None) -> AbstractContextManager[Catalog]:
        """Change a catalog, all or nothing, and save the change: `with sim.change_catalog():`."""
        return self.catalogs.change(self.catalog_name(name))

    def store(self, dialect: str | None = None, catalog: str | None = None) -> DialectStore:
        """The store of one simulated panel, loaded on first use."""
        key = (self.dialect(dialect).name, self.catalog_name(catalog))
        with self._stores_lock:
            store = self._stores.get(key)
            if store is None:
                path = self._store_path(*key)
                store = DialectStore(path, balance=self._balance, currency=self._currency)
                self._stores[key] = store
            return store

    def answer(
        self,
        dialect: Dialect,
        params: Mapping[str, str],
        *,
        from_json: bool,
        catalog: str | None = None,
        rule: FaultRule | None = None,
    ) -> Any:
        if (dialect.json_only and not from_json) or params.get(dialect.key_field) not in self.keys:
            return dialect.error(BAD_KEY)
        name = self.catalog_name(catalog)
        store = self.store(dialect.name, name)
        billing = rule if rule is not None and rule.fault in BILLING_FAULT_NAMES else None
        ctx = Context(
            dialect, store, self.catalogs.get(name), self.clock.now(), self.stage_seconds, billing
        )
        return dispatch(ctx, params)

    def reset(
        self, *, state: bool = False, dialect: str | None = None, catalog: str | None = None
    ) -> None:
        """Forget stats, the request log and faults; with `state`, also orders, refills and
        balances.

        `dialect` and `catalog` narrow which stores are reset. Without a dialect, the catalog
        changes go too (of `catalog`, or of every catalog); with neither, the clock as well.
        """
        self.stats.reset()
        self.requests.reset()
        self.faults.set(None)
        if not state:
            return
        dialects = [self.dialect(dialect).name] if dialect is not None else list(DIALECTS)
        catalogs = [check_name(catalog)] if catalog is not None else list(CATALOG_NAMES)
        for dialect_name in dialects:
            for catalog_name in catalogs:
                with self._stores_lock:
                    store = self._stores.get((dialect_name, catalog_name))
                if store is not None:
                    store.reset()
                else:
                    self._store_path(dialect_name, catalog_name).unlink(missing_ok=True)
        if dialect is None:
            self.catalogs.reset(catalog)
        if dialect is None and catalog is None:
            self.clock.reset()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.clock.advance(seconds)

    def set_balance(
        self, balance: Decimal, dialect: str | None = None, catalog: str | None = None
    ) -> None:
        self.store(dialect, catalog).set_balance(balance)

    def dump(self, dialect: str | None = None, catalog: str | None = None) -> dict[str, Any]:
        store = self.store(dialect, catalog)
        names = {"dialect": self.dialect(dialect).name, "catalog": self.catalog_name(catalog)}
        with store.lock:
            store.settle(self.clock.now())
            store.save_if_dirty()
            return {**names, **store.dump(self.clock.now())}
