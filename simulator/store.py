"""One dialect's persisted state: balance, orders, refills, id counters.

The state lives in `<state-dir>/<dialect>.json`, a snapshot written through a temporary file
and `os.replace`, and `<dialect>.json.<generation>.journal`, the orders, refills and counters
changed since, one JSON line per save. A save appends only what changed, so an `add` costs the
same with ten orders on file as with ten thousand (rewriting the snapshot on every order made a
long benchmark's panels slower and slower). Once the journal is as long as the state, the
snapshot is written again under the next generation and the old journal dropped. A killed
process leaves at most a cut last line, which loading ignores.
"""

from __future__ import annotations

import heapq
import json
import os
import tempfile
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from .catalog import SUBSCRIPTIONS
from .records import (
    CANCELED,
    FINAL_STATUSES,
    Order,
    Refill,
    money,
    order_view,
)

STATE_VERSION = 1
JOURNAL_MIN_LINES = 1000  # journal lines kept before the snapshot is written again, at least


def ends_at(order: Order) -> float | None:
    """The simulated time from which the order may be final (order_view decides); None for a
    subscription without end."""
    if order.type != SUBSCRIPTIONS:
        return order.created + 2 * order.stage
    ends = [order.expiry] if order.expiry is not None else []
    if order.posts is not None:
        ends.append(order.created + order.posts * order.stage)
    return min(ends) if ends else None


def write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # Compact dumps() uses the C encoder; dump() with indent is pure Python and slow.
            handle.write(json.dumps(data, separators=(",", ":")))
        # mkstemp makes the file owner-only; the state is not secret and other tools read it.
        os.chmod(tmp, 0o644)
        # No fsync: this protects against a killed process, which is what a simulator sees;
        # surviving power loss is not worth the cost on every order.
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DialectStore:
    def __init__(self, path: Path, *, balance: Decimal, currency: str) -> None:
        self.path = path
        # Re-entrant: an action holds the lock around settle + its own changes + save.
        self.lock = threading.RLock()
        self._initial_balance = balance
        self._initial_currency = currency
        self.balance = balance
        self.currency = currency
        self.orders: dict[str, Order] = {}
        # Orders not final yet, by id, and their (service, link) pairs: settle() and the
        # duplicate-link rule look only at these, not at the whole history.
        self._open: dict[str, Order] = {}
        self._open_links: set[tuple[int, str]] = set()
        self.refills: dict[int, Refill] = {}
        # Open orders by the time they may end: settle() looks only at those due.
        self._ending: list[tuple[float, int, str]] = []
        self.next_order = 1
        self.next_refill = 1
        self.generation = 0  # of the snapshot; its journal carries the same number
        self._snapshot_on_disk = False
        self._journal_lines = 0
        self._changed_orders: dict[str, Order] = {}
        self._changed_refills: dict[int, Refill] = {}
        self.dirty = False
        self.load()

    @property
    def journal_path(self) -> Path:
        return self.path.with_name(f"{self.path.name}.{self.generation}.journal")

    def load(self) -> None:
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._apply_counters(data)
            self.generation = int(data.get("generation", 0))
            orders = (Order.from_json(item) for item in data["orders"])
            self.orders = {order.id: order for order in orders}
            refills = (Refill.from_json(item) for item in data["refills"])
            self.refills = {refill.id: refill for refill in refills}
            self._snapshot_on_disk = True
        self._replay_journal()
        self._reindex()

    def _apply_counters(self, data: dict[str, Any]) -> None:
        self.balance = Decimal(data["balance"])
        self.currency = data["currency"]
        self.next_order = int(data["next_order"])
        self.next_refill = int(data["next_refill"])

    def _replay_journal(self) -> None:
        for stale in self.path.parent.glob(f"{self.path.name}.*.journal"):
            if stale != self.journal_path:  # left by a process killed while compacting
                stale.unlink(missing_ok=True)
        if not self.journal_path.exists():
            return
        lines = self.journal_path.read_text(encoding="utf-8").splitlines()
        # A save is its changed records, then its counters: records after the last counters
        # line are a save a killed process never finished, and are left out with it.
        unsaved: list[dict[str, Any]] = []
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
            except ValueError:
                if number == len(lines):
                    break  # cut while being written: that save never finished
                raise ValueError(f"{self.journal_path}: line {number} is not JSON") from None
            if "counters" not in entry:
                unsaved.append(entry)
                continue
            for record in unsaved:
                if "order" in record:
                    order = Order.from_json(record["order"])
                    self.orders[order.id] = order
                else:
                    refill = Refill.from_json(record["refill"])
                    self.refills[refill.id] = refill
            self._apply_counters(entry["counters"])
            self._journal_lines += len(unsaved) + 1
            unsaved = []

    def save(self) -> None:
        """Append what changed to the journal; the snapshot again once the journal is long."""
        with self.lock:
            if not self._snapshot_on_disk or self._journal_lines >= max(
                JOURNAL_MIN_LINES, len(self.orders) + len(self.refills)
            ):
                self._write_snapshot()
            else:
                self._append_journal()
            self._changed_orders.clear()
            self._changed_refills.clear()
            self.dirty = False

    def _counters(self) -> dict[str, Any]:
        return {
            "balance": str(self.balance),
            "currency": self.currency,
            "next_order": self.next_order,
            "next_refill": self.next_refill,
        }

    def _write_snapshot(self) -> None:
        old_journal = self.journal_path
        data = {
            "version": STATE_VERSION,
            "generation": self.generation + 1,
            **self._counters(),
            "orders": [order.to_json() for order in self.orders.values()],
            "refills": [refill.to_json() for refill in self.refills.values()],
        }
        write_json_atomic(self.path, data)
        # From here the new snapshot is what loads; the old journal is stale either way.
        self.generation += 1
        self._snapshot_on_disk = True
        self._journal_lines = 0
        old_journal.unlink(missing_ok=True)

    def _append_journal(self) -> None:
        entries: list[dict[str, Any]] = [
            {"order": o.to_json()} for o in self._changed_orders.values()
        ]
        entries += [{"refill": r.to_json()} for r in self._changed_refills.values()]
        entries.append({"counters": self._counters()})
        text = "".join(json.dumps(entry, separators=(",", ":")) + "\n" for entry in entries)
        with self.journal_path.open("a", encoding="utf-8") as journal:
            journal.write(text)  # one write: a killed process cuts at most the last line
        self._journal_lines += len(entries)

    def _reindex(self) -> None:
        self._open = {
            oid: order for oid, order in self.orders.items() if order.final_status is None
        }
        self._open_links = {(order.service, order.link) for order in self._open.values()}
        self._ending = []
        for order in self._open.values():
            self._schedule_end(order)

    def _schedule_end(self, order: Order) -> None:
        at = ends_at(order)
        if at is not None:
            heapq.heappush(self._ending, (at, order.seq, order.id))

    def _close(self, order: Order) -> None:
        self._open.pop(order.id, None)
        self._open_links.discard((order.service, order.link))
        self._changed_orders[order.id] = order

    def save_if_dirty(self) -> None:
        with self.lock:
            if self.dirty:
                self.save()

    def reset(self) -> None:
        with self.lock:
            self.balance = self._initial_balance
            self.currency = self._initial_currency
            self.orders = {}
            self.refills = {}
            self.next_order = 1
            self.next_refill = 1
            self._reindex()
            self._write_snapshot()  # a journal cannot say that orders were removed
            self._changed_orders.clear()
            self._changed_refills.clear()
            self.dirty = False

    def set_balance(self, balance: Decimal) -> None:
        with self.lock:
            self.balance = balance
            self.save()

    def settle(self, now: float) -> None:
        """Finalise orders whose time is up, refunding the unfilled share of partial ones.
        Only the orders due by `now` are looked at, not every open one."""
        with self.lock:
            not_yet = []
            while self._ending and self._ending[0][0] <= now:
                entry = heapq.heappop(self._ending)
                order = self._open.get(entry[2])
                if order is None:
                    continue  # ended meanwhile (canceled)
                view = order_view(order, now)
                if view.status not in FINAL_STATUSES:
                    not_yet.append(entry)  # a rounding hair short of its end: next time
                    continue
                order.final_status = view.status
                order.final_remains = view.remains
                order.final_charge = str(view.charge)
                order.final_at = now
                self._close(order)
                self.balance += Decimal(order.cost) - view.charge
                self.dirty = True
            for entry in not_yet:
                heapq.heappush(self._ending, entry)

    def has_active_order(self, service: int, link: str) -> bool:
        return (service, link) in self._open_links

    def add_order(self, order: Order) -> None:
        with self.lock:
            self.orders[order.id] = order
            self._open[order.id] = order
            self._open_links.add((order.service, order.link))
            self._schedule_end(order)
            self._changed_orders[order.id] = order
            self.next_order = max(self.next_order, order.seq + 1)
            self.balance -= Decimal(order.debit if order.debit is not None else order.cost)
            self.dirty = True

    def cancel_order(
        self, order: Order, now: float, *, remains: int, status: str = CANCELED,
        charge: Decimal = Decimal(0),
    ) -> None:  # fmt: skip
        """Stop an order: `charge` is what it keeps for what was delivered (0 when nothing
        was), the rest of its cost goes back to the balance."""
        with self.lock:
            order.final_status = status
            order.final_remains = remains
            order.final_charge = str(charge)
            order.final_at = now
            self._close(order)
            self.balance += Decimal(order.cost) - charge
            self.dirty = True

    def add_refill(self, *, order: Order, now: float, stage: float) -> Refill:
        with self.lock:
            refill_id = self.next_refill
            # Every 4th refill is turned down, so clients see Rejected without any setup.
            refill = Refill(refill_id, order.id, now, stage, rejected=refill_id % 4 == 0)
            self.refills[refill_id] = refill
            self._changed_refills[refill_id] = refill
            self.next_refill += 1
            self.dirty = True
            return refill

    def dump(self, now: float) -> dict[str, Any]:
        with self.lock:
            orders = []
            for order in self.orders.values():
                view = order_view(order, now)
                item = order.to_json()
                item.update(status=view.status, remains=view.remains, charge=money(view.charge))
                orders.append(item)
            return {
                "balance": money(self.balance),
                "currency": self.currency,
                "orders": orders,
                "refills": [refill.to_json() for refill in self.refills.values()],
            }
