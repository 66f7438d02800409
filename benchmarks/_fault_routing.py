"""The fault suite's routing scenario (benchmarks/faults.py): every order routed over one offer
that all three panels carry, placed while panels refuse for reasons of their own and recover,
then every chain of attempts checked.

A routed order and the attempts it moved on to (`retry_of`) are one purchase, a chain:
- at most one of its orders is placed, and the panels' ledgers hold at most one order for its
  link between them (a drop-after-accept order counts: the panel placed it);
- an order moved on only from a refusal where nothing was bought (MUST_MOVE), to exactly
  one successor, on a panel the chain had not tried, the history saying so; an unknown
  outcome never moves on (that would risk buying the link twice);
- it ends placed, refused and not moved on for a reason the history states, or unknown and
  listed for a person (benchmarks/_fault_checks.check_panel checks each order's own ledger);
- before the first fault, every order goes to the cheapest panel.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from benchmarks._fault_checks import Result
from benchmarks._fault_processes import wait_for
from benchmarks._fault_scenarios import (
    CATALOG_SYNC_SECONDS,
    ROUTED_OFFER,
    ROUTED_SERVICES,
    Scenario,
    Step,
)

NOT_MOVED = ("not moved on", "cannot take it")  # failover's words when a refusal stays
# The refusals where nothing was bought, which move a routed order on (the list, kept
# here rather than read from orders.services.failover, so that the check stands on its own).
MUST_MOVE = frozenset({"not_enough_funds", "incorrect_service_id", "bad_key", "not_sent"})


# ---- The run ----------------------------------------------------------------------------


def routed_plan(
    scenario: Scenario, panels: list[Any], orders: int, result: Result
) -> list[tuple[str, dict]]:
    """(the offer's match key, values) per order. The offer must be on every panel, priced in
    the base currency and ranked as ROUTED_SERVICES says, or the scenario means nothing: the
    run goes on and fails with what is wrong."""
    from currency.conversion import base_currency
    from panels.models import Panel, Service

    offer = Service.objects.filter(panel__in=panels, match_key=ROUTED_OFFER, is_active=True)
    listed = {s.panel_id: s for s in offer}
    rates = {}
    for panel in panels:
        service = listed.get(panel.pk)
        if service is None or service.remote_id != str(ROUTED_SERVICES[panel.catalog]):
            result.mismatches.append(f"{panel.catalog}: the offer {ROUTED_OFFER!r} is {service}")
        else:
            rates[panel.catalog] = service.rate
    by_price = sorted(rates, key=lambda catalog: (rates[catalog], catalog))
    if by_price != list(ROUTED_SERVICES):
        result.mismatches.append(f"the offer's panels by price: {by_price}, not {ROUTED_SERVICES}")
    base = base_currency()
    for panel in Panel.objects.filter(pk__in=[p.pk for p in panels]):
        if panel.currency.upper() != base or panel.balance is None:
            result.mismatches.append(
                f"{panel.name}: balance {panel.balance} {panel.currency!r}, not in {base}"
            )
    return [
        (
            ROUTED_OFFER,
            {"link": f"https://example.com/{scenario.name}/{n}", "quantity": 100 + 10 * (n % 7)},
        )
        for n in range(orders)
    ]


def create_routed(batch: list[tuple[str, dict]], result: Result) -> None:
    """One batch in one transaction, each order routed as it is created, each panel's
    dispatcher woken once on commit. An order no panel can take is not created (the person
    is told why): its link is then reported as never having become an order."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from orders.models import Order
    from orders.services.create import order_dispatch_soon
    from orders.services.failover import order_create_routed

    woken: set[int] = set()
    try:
        with transaction.atomic():
            for key, values in batch:
                try:
                    with transaction.atomic():
                        order = order_create_routed(
                            match_key=key,
                            values=values,
                            source=Order.Source.COMMAND,
                            dispatch=False,
                        )
                except ValidationError as exc:
                    result.notes.append(f"{values['link']}: not routed: {'; '.join(exc.messages)}")
                    continue
                if order.panel_id not in woken:
                    woken.add(order.panel_id)
                    order_dispatch_soon(panel_id=order.panel_id)
    except Exception as exc:  # waking a dispatcher failed: the sweep sends them
        result.create_errors += 1
        result.notes.append(f"creating a batch: {exc!r}")


def routing_step(step: Step, sim: Any, panels: list[Any]) -> None:
    """A step on one panel: its own simulator's fault, outage or control call, then the
    suite's action on that panel (a balance read as the beat does it, a catalog sync as the
    sync button starts it)."""
    from panels.models import CatalogSync
    from panels.services import catalog_sync_start
    from panels.tasks import balance_sync

    target = sim.panel(step.panel)
    panel = next(p for p in panels if p.catalog == step.panel)
    if step.control is not None:
        route, body = step.control
        target.control(route, {**body, "catalog": step.panel})
    elif step.outage:
        target.outage(step.outage)
    elif step.fault is not None:
        target.control("faults", step.fault)
    if step.action == "sync_balance":
        balance_sync.delay(panel.pk)
    elif step.action == "sync_catalog":
        # A sync started before the change (a refusal starts one) would not see it: wait.
        running = CatalogSync.objects.filter(
            panel=panel, state__in=[CatalogSync.State.QUEUED, CatalogSync.State.RUNNING]
        )
        with contextlib.suppress(TimeoutError):  # still running: check_catalog_runs says so
            wait_for(lambda: not running.exists(), CATALOG_SYNC_SECONDS, "a catalog sync")
        catalog_sync_start(panel=panel, trigger=CatalogSync.Trigger.COMMAND)


# ---- The checks -------------------------------------------------------------------------


def check_routing(
    ours: list[Any],
    sim: Any,
    panels: list[Any],
    routed: tuple[Scenario, datetime],
    duplicated: set[int],
    result: Result,
) -> None:
    """Every chain of attempts (module docstring); `routed`: the scenario and when its clock
    started (its first step is the first fault)."""
    from orders.models import Order, OrderStatusChange

    successors: dict[int, list[Any]] = defaultdict(list)
    for order in sorted(ours, key=lambda o: (o.created_at, o.pk)):
        if order.retry_of_id is not None:
            successors[order.retry_of_id].append(order)
    notes: dict[int, list[str]] = defaultdict(list)
    changes = OrderStatusChange.objects.filter(order__in=[o.pk for o in ours])
    for order_id, note in changes.values_list("order_id", "note"):
        notes[order_id].append(note)
    bought = Counter(r["link"] for p in panels for r in sim.orders(catalog=p.catalog))
    known = {o.pk for o in ours}
    for order in ours:
        if order.retry_of_id is not None and order.retry_of_id not in known:
            result.mismatches.append(f"#{order.pk}: moved on from #{order.retry_of_id}, not ours")
    roots = [o for o in ours if o.retry_of_id is None]
    cheapest = next(p for p in panels if p.catalog == next(iter(ROUTED_SERVICES)))
    scenario, began = routed
    times = sorted({step.at for step in scenario.steps})
    calm_until = began + timedelta(seconds=times[0] if times else 0.0)
    chain_check = _ChainCheck(successors, notes, bought, duplicated, result)
    for root in roots:
        chain_check.run(root)
        if root.created_at < calm_until and root.panel_id != cheapest.pk:
            result.mismatches.append(
                f"#{root.pk}: routed to {root.panel.name} before any fault, not the cheapest"
            )
    result.chains = len(roots)
    result.moved_on = sum(len(found) for found in successors.values())
    result.moved_for = dict(chain_check.moved_for)
    result.chain_ends = dict(chain_check.ends)
    catalog = {p.pk: p.catalog for p in panels}
    placed = Counter(catalog[o.panel_id] for o in ours if o.state == Order.State.PLACED)
    result.notes.append(
        f"{len(roots)} routed orders, {result.moved_on} moved on ({_counts(result.moved_for)}); "
        f"chains ended {_counts(result.chain_ends)}; placed per panel: {_counts(placed)}"
    )
    went = _by_step(roots, catalog, began, times)
    result.notes.append(f"routed first to, from each step on: {went}")


def _by_step(roots: list[Any], catalog: dict[int, str], began: datetime, times: list[float]) -> str:
    """Where the routed orders created between two steps went first ("2.5s: alt2 3, base 4")."""
    edges = [0.0, *times]
    went: list[Counter[str]] = [Counter() for _ in edges]
    for root in roots:
        since = (root.created_at - began).total_seconds()
        step = max(i for i, edge in enumerate(edges) if edge <= since or i == 0)
        went[step][catalog[root.panel_id]] += 1
    return " | ".join(f"{edge:g}s: {_counts(c)}" for edge, c in zip(edges, went, strict=True) if c)


class _ChainCheck:
    def __init__(
        self,
        successors: dict[int, list[Any]],
        notes: dict[int, list[str]],
        bought: Counter[str],
        duplicated: set[int],
        result: Result,
    ) -> None:
        self.successors, self.notes, self.bought = successors, notes, bought
        self.duplicated, self.result = duplicated, result
        self.moved_for: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()

    def run(self, root: Any) -> None:
        from orders.models import Order

        chain = [root]
        while found := self.successors.get(chain[-1].pk):
            if len(found) > 1:
                self._twice(found, f"bought twice: #{chain[-1].pk} moved on {len(found)} times")
            if found[0] in chain:
                self.result.mismatches.append(f"#{found[0].pk}: its chain loops")
                break
            chain.append(found[0])
        for index, order in enumerate(chain):
            self._attempt(chain, index, order)
        placed = [o for o in chain if o.state == Order.State.PLACED]
        if len(placed) > 1:
            self._twice(placed, f"bought twice: {root.link} placed {len(placed)} times")
        if self.bought[root.link] > 1:
            self._twice(chain, f"bought twice: {root.link}, {self.bought[root.link]} panel orders")
        self._end(chain[-1])

    def _attempt(self, chain: list[Any], index: int, order: Any) -> None:
        from orders.models import Order

        route = order.route or {}
        before = [o.panel_id for o in chain[:index]]
        if route.get("key") != ROUTED_OFFER:
            self.result.mismatches.append(f"#{order.pk}: not routed over the offer: {route}")
        elif route.get("tried", []) != before:
            self.result.mismatches.append(
                f"#{order.pk}: tried {route.get('tried')}, the chain tried {before}"
            )
        if order.panel_id in before:
            self._twice(chain, f"may be bought twice: #{order.pk} sent again to {order.panel.name}")
        if index + 1 == len(chain):
            return
        moved = chain[index + 1]
        if order.state == Order.State.UNKNOWN:
            self._twice([order, moved], f"may be bought twice: #{order.pk} unknown, yet moved on")
        elif order.state != Order.State.REJECTED or order.error_reason not in MUST_MOVE:
            self.result.mismatches.append(
                f"#{order.pk}: {order.state} ({order.error_reason}), yet moved on"
            )
        self.moved_for[order.error_reason or order.state] += 1
        said = f"moved to {moved.panel.name} as order #{moved.pk}"
        if not any(said in note for note in self.notes[order.pk]):
            self.result.mismatches.append(f"#{order.pk}: its history does not say {said!r}")
        if order.finished_at is not None and moved.created_at < order.finished_at:
            self.result.mismatches.append(f"#{moved.pk}: created before #{order.pk} was refused")

    def _end(self, last: Any) -> None:
        from orders.models import Order

        if last.state == Order.State.REJECTED and last.error_reason in MUST_MOVE:
            said = [n for n in self.notes[last.pk] if any(w in n for w in NOT_MOVED)]
            if not said:
                self.result.lost_orders.append(
                    f"#{last.pk}: refused ({last.error_reason}), neither moved on nor said why"
                )
            self.ends[f"refused ({last.error_reason}), not moved on"] += 1
        elif last.state == Order.State.REJECTED:
            self.ends[f"refused ({last.error_reason})"] += 1
        else:
            self.ends[str(last.state)] += 1

    def _twice(self, orders: list[Any], message: str) -> None:
        """Counted as duplicates (each order of them), and said why."""
        self.duplicated.update(o.pk for o in orders)
        self.result.mismatches.append(message)


def _counts(counts: dict[str, int] | Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"
