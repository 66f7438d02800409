"""One dialect's persisted state: balance, orders, refills, id counters.

Every change is written to `<state-dir>/<dialect>.json` through a temporary file and
`os.replace`, so a crash or restart never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from .records import (
    CANCELED,
    FINAL_STATUSES,
    Order,
    Refill,
    money,
    order_view,
)

STATE_VERSION = 1


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
        self.next_order = 1
        self.next_refill = 1
        self.dirty = False
        self.load()

    def load(self) -> None:
        if not self.path.exists():
            return
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self.balance = Decimal(data["balance"])
        self.currency = data["currency"]
        self.next_order = int(data["next_order"])
        self.next_refill = int(data["next_refill"])
        orders = (Order.from_json(item) for item in data["orders"])
        self.orders = {order.id: order for order in orders}
        self._reindex()
        refills = (Refill.from_json(item) for item in data["refills"])
        self.refills = {refill.id: refill for refill in refills}

    def save(self) -> None:
        with self.lock:
            data = {
                "version": STATE_VERSION,
                "balance": str(self.balance),
                "currency": self.currency,
                "next_order": self.next_order,
                "next_refill": self.next_refill,
                "orders": [order.to_json() for order in self.orders.values()],
                "refills": [refill.to_json() for refill in self.refills.values()],
            }
            write_json_atomic(self.path, data)
            self.dirty = False

    def _reindex(self) -> None:
        self._open = {
            oid: order for oid, order in self.orders.items() if order.final_status is None
        }
        self._open_links = {(order.service, order.link) for order in self._open.values()}

    def _close(self, order: Order) -> None:
        self._open.pop(order.id, None)
        self._open_links.discard((order.service, order.link))

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
            self.save()

    def set_balance(self, balance: Decimal) -> None:
        with self.lock:
            self.balance = balance
            self.save()

    def settle(self, now: float) -> None:
        """Finalise orders whose time is up, refunding the unfilled share of partial ones."""
        with self.lock:
            for order in list(self._open.values()):
                view = order_view(order, now)
                if view.status not in FINAL_STATUSES:
                    continue
                order.final_status = view.status
                order.final_remains = view.remains
                order.final_charge = str(view.charge)
                order.final_at = now
                self._close(order)
                self.balance += Decimal(order.cost) - view.charge
                self.dirty = True

    def has_active_order(self, service: int, link: str) -> bool:
        return (service, link) in self._open_links

    def add_order(self, order: Order) -> None:
        with self.lock:
            self.orders[order.id] = order
            self._open[order.id] = order
            self._open_links.add((order.service, order.link))
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
