"""What the fault suite counts for each scenario (`Result`) and how it checks one panel's ledger
and request log against our orders (benchmarks/faults.py; the rules are in its docstring).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class Result:
    name: str
    label: str
    orders: int = 0
    placed: int = 0
    rejected: int = 0
    unknown: int = 0
    duplicates: int = 0
    lost: int = 0
    stalled: int = 0  # still queued, never sent, when the run stopped waiting
    seconds: float = 0.0
    ledger_ok: bool = False
    faulted_adds: int = 0  # `add` requests the simulator answered with a fault
    sent_later: int = 0  # placed or rejected after a try that never reached the panel (or 429)
    in_flight: int = 0  # being sent when the worker was killed
    create_errors: int = 0
    task_crashes: int = 0  # tasks that raised out of the worker ("raised unexpected")
    catalog_skipped: int = 0  # services the hostile catalog's sync run set aside
    status_syncs_during_fault: int = 0  # status requests while entries were being broken
    hostile_status: int = 0  # of those, answers with broken entries
    progressed_untargeted: int = 0  # orders whose entries were whole that moved on meanwhile
    refused_second_submit: int = 0  # upload rows the second submit of a file did not order
    same_file_notices: int = 0  # submits told the same file was queued moments ago
    bought_again: int = 0  # upload rows queued again ("yes, again") after the first had ended
    chains: int = 0  # routed orders: each with the attempts it moved on to, one purchase
    moved_on: int = 0  # attempts made by moving a refused routed order on to another panel
    moved_for: dict[str, int] = field(default_factory=dict)  # refusals that moved, by reason
    chain_ends: dict[str, int] = field(default_factory=dict)  # how the chains ended
    duplicate_orders: list[int] = field(default_factory=list)
    lost_orders: list[str] = field(default_factory=list)
    unknown_orders: list[int] = field(default_factory=list)
    stalled_orders: list[int] = field(default_factory=list)
    unvouched_orders: list[int] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def held_dispatch_slots() -> dict[int, int]:
    """Per panel, how many of its sending slots (orders.tasks) are taken right now."""
    from django.conf import settings
    from django.core.cache import cache

    from panels.models import Panel

    held = {}
    for panel_id in Panel.objects.filter(is_active=True).values_list("pk", flat=True):
        slots = range(settings.PANEL_MAX_CONCURRENCY)
        taken = sum(cache.get(f"dispatch-slot:{panel_id}:{n}") is not None for n in slots)
        if taken:
            held[panel_id] = taken
    return held


def while_another_was_active(orders: list[Any]) -> set[int]:
    """Of our orders on one link, those created while another of them was still active there
    (not yet finished: `finished_at` is set with the final state or status). The guards at
    submit refuse exactly these; an order created after the earlier one ended is a new
    purchase the person asked for ("queue them again")."""
    ordered = sorted(orders, key=lambda o: (o.created_at, o.pk))
    found: set[int] = set()
    for index, later in enumerate(ordered):
        for earlier in ordered[:index]:
            if earlier.finished_at is None or earlier.finished_at > later.created_at:
                found.update((earlier.pk, later.pk))
    return found


def check_panel(
    panel: Any,
    mine: list[Any],
    log: list[Any],
    listed: set[int],
    in_flight: set[int],
    result: Result,
    duplicated: set[int],
    *,
    cuts_requests: bool,
    sim: Any,
) -> None:
    """One panel's ledger and request log against our orders (see the module docstring)."""
    from orders.models import Order
    from panels.api.normalise import Status

    theirs = sim.orders(catalog=panel.catalog)
    theirs_by_id = {str(o["id"]): o for o in theirs}
    theirs_by_link: dict[str, list[dict]] = defaultdict(list)
    for remote in theirs:
        theirs_by_link[remote["link"]].append(remote)
    adds: dict[str, list[Any]] = defaultdict(list)
    for entry in log:
        if entry.catalog == panel.catalog and entry.link:
            adds[entry.link].append(entry)
    from benchmarks._fault_hostile import check_unknown_reason

    timeout = float(panel.timeout_seconds)
    ours_by_link: dict[str, list[Any]] = defaultdict(list)
    for order in mine:
        ours_by_link[order.link].append(order)
    per_link = Counter(o.link for o in mine)
    overlapping = set().union(*(while_another_was_active(o) for o in ours_by_link.values()))

    for order in mine:
        handled = [e for e in adds[order.link] if e.fault != "http_429"]
        vouched = [e for e in handled if e.clean and e.seconds < timeout]
        # One `add` and one panel order per order of ours on the link, and no two of ours on
        # it at once (a link may be bought again once its earlier order has ended).
        ours_here = per_link[order.link]
        if (
            len(handled) > ours_here
            or len(theirs_by_link[order.link]) > ours_here
            or order.pk in overlapping
        ):
            duplicated.add(order.pk)
        if order.state == Order.State.UNKNOWN:
            check_unknown_reason(order, handled, timeout, in_flight, result)
        if order.state == Order.State.PLACED and order.remote_id:
            remote = theirs_by_id.get(order.remote_id)
            if remote is None:
                result.lost_orders.append(
                    f"#{order.pk}: placed as {order.remote_id}, which the panel does not have"
                )
                continue
            wanted = (order.service.remote_id, order.link, order.quantity)
            got = (str(remote["service"]), remote["link"], remote["quantity"])
            if wanted != got:
                result.mismatches.append(f"#{order.pk}: ours {wanted}, panel's {got}")
            status = remote["status"].lower().replace(" ", "_")
            # Our charge is what the panel took; it finally charged that less the refund.
            final = (order.charge or 0) - (order.refund or 0)
            if order.status != status or final != Decimal(remote["charge"]):
                result.mismatches.append(
                    f"#{order.pk}: ours {order.status} {final}, panel's {status} {remote['charge']}"
                )
            if order.status not in Status.FINAL:
                result.mismatches.append(f"#{order.pk}: {order.status}, not final")
            if not any(e.order == order.remote_id for e in vouched):
                result.mismatches.append(f"#{order.pk}: placed without a clean answer")
        elif order.state == Order.State.REJECTED and order.last_error:
            claimed = {o.remote_id for o in ours_by_link[order.link] if o.remote_id}
            if any(str(r["id"]) not in claimed for r in theirs_by_link[order.link]):
                result.mismatches.append(f"#{order.pk}: rejected, but the panel has it")
            if order.error_reason != "not_sent" and not any(e.error for e in vouched):
                result.mismatches.append(f"#{order.pk}: rejected without the panel saying so")
        elif order.state == Order.State.UNKNOWN and order.pk in listed:
            pass
        elif order.state == Order.State.QUEUED:
            result.stalled_orders.append(order.pk)  # not sent yet: not lost, but stuck
        else:  # still being sent when time ran out, or not listed for a person
            result.lost_orders.append(
                f"#{order.pk}: {order.state}, remote id {order.remote_id!r}, {order.last_error!r}"
            )
        # The panel cannot vouch for an order whose add reached it without a clean, timely
        # answer; after a kill, nor for what the dead worker was sending.
        if order.pk in in_flight or (handled and not vouched):
            result.unvouched_orders.append(order.pk)
        elif order.state == Order.State.UNKNOWN and not adds[order.link]:
            # Never seen by the panel, yet unknown: fine only if an outage cut it off on its
            # way (the client cannot tell a cut request from a cut answer).
            result.notes.append(f"#{order.pk}: unknown, its add never reached the panel")
            if cuts_requests:
                result.unvouched_orders.append(order.pk)

    for remote in theirs:
        same_link = ours_by_link.get(remote["link"], [])
        # Of several orders for one link (a duplicate, counted above): the one with its id.
        order = next(
            (o for o in same_link if o.remote_id == str(remote["id"])),
            same_link[0] if same_link else None,
        )
        if order is None:
            result.lost_orders.append(
                f"panel order {remote['id']} ({remote['link']}) is none of ours"
            )
        elif order.state not in (Order.State.PLACED, Order.State.UNKNOWN):
            result.mismatches.append(
                f"panel order {remote['id']}: ours #{order.pk} is {order.state}"
            )
        elif order.state == Order.State.PLACED and order.remote_id != str(remote["id"]):
            result.mismatches.append(
                f"panel order {remote['id']}: ours #{order.pk} is {order.remote_id}"
            )
