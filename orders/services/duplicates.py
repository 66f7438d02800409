"""The same thing bought twice: active orders on a target, and the same upload queued again.

A panel refuses a second active order on one link, and an upload queued twice buys twice. The
checks here run when an upload is previewed and again when it is submitted, inside the
submit's transaction and after `lock_panels`, so two submits racing each other cannot both
pass.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from orders.links import target_key
from orders.models import Order, Upload
from orders.selectors import active_order_q
from panels.models import Panel

AGAIN_WITHIN = timedelta(hours=24)  # the same content queued this recently needs a "yes, again"
_LOCK_SPACE = 0x5E_11  # the first key of PostgreSQL advisory locks taken here


@dataclass(frozen=True)
class ActiveOrder:
    pk: int
    upload_id: int | None
    source: str


def row_key(values: Mapping[str, object]) -> str:
    """The target key of an upload row's values (its link, or a subscription's username)."""
    return target_key(
        link=str(values.get("link", "") or ""), params={"username": values.get("username", "")}
    )


def active_orders(
    targets: dict[int, set[str]], *, exclude_upload: int | None = None
) -> dict[tuple[int, str], ActiveOrder]:
    """{(panel id, key): the newest active order on it} for the given keys per panel. One
    query."""
    condition = None
    for panel_id, keys in targets.items():
        keys = {k for k in keys if k}
        if keys:
            part = Order.objects.filter(panel_id=panel_id, link_key__in=sorted(keys))
            condition = part if condition is None else condition | part
    if condition is None:
        return {}
    found = condition.filter(active_order_q())
    if exclude_upload is not None:
        found = found.exclude(upload_id=exclude_upload)
    busy: dict[tuple[int, str], ActiveOrder] = {}
    rows = found.order_by("created_at", "pk").values_list(
        "pk", "panel_id", "link_key", "upload_id", "source"
    )
    for pk, panel_id, key, upload_id, source in rows:
        busy[(panel_id, key)] = ActiveOrder(pk, upload_id, source)  # the newest wins
    return busy


def active_order_text(order: ActiveOrder, *, panel: str, what: str = "link") -> str:
    """ "This link already has an active order #12 on Sim (queued from upload #5): …"."""
    if order.upload_id is not None:
        origin = f"queued from upload #{order.upload_id}"
    else:
        origin = {
            Order.Source.FORM: "placed with the order form",
            Order.Source.ADMIN: "placed in the admin",
            Order.Source.COMMAND: "placed by a command",
        }.get(order.source, "placed earlier")  # type: ignore[call-overload]
    return (
        f"This {what} already has an active order #{order.pk} on {panel} ({origin}): the "
        "panel refuses a second one until it is finished."
    )


def lock_panels(panel_ids: Iterable[int]) -> None:
    """Hold, until the transaction ends, one lock per panel that every upload submit takes
    before checking for active orders: the second of two racing submits waits, then sees the
    first one's orders. PostgreSQL: advisory locks (the panel rows stay writable for balance
    syncs); SQLite: its transactions already run one writer at a time; elsewhere the panel
    rows, locked for update."""
    ids = sorted(set(panel_ids))
    if not ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # One statement, taking them in the order of the sorted list (in one order
            # everywhere: no deadlock).
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, panel_id) FROM unnest(%s::int[]) AS panel_id",
                [_LOCK_SPACE, ids],
            )
    elif connection.vendor != "sqlite":
        list(Panel.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def content_hash(kind: str, data: bytes | str, *, panel_id: int | None = None) -> str:
    """SHA-256 of what was uploaded, line endings and a byte-order mark aside; mass-order text
    counts with its panel (the same lines for another panel are other orders)."""
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip()
    head = f"{kind}:{panel_id or ''}\n"
    return hashlib.sha256((head + text).encode("utf-8", "surrogatepass")).hexdigest()


def upload_recent_twin(upload: Upload, *, within: timedelta = AGAIN_WITHIN) -> Upload | None:
    """The newest other upload with the same content submitted within `within`, or None."""
    if not upload.content_hash:
        return None
    return (
        Upload.objects.filter(
            content_hash=upload.content_hash,
            state=Upload.State.SUBMITTED,
            submitted_at__gte=timezone.now() - within,
        )
        .exclude(pk=upload.pk)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def twin_text(twin: Upload) -> str:
    """ "These rows were queued 2 minutes ago as upload #5 — queue them again?"."""
    from django.utils.timesince import timesince

    when = timesince(twin.submitted_at) if twin.submitted_at else ""
    ago = "moments ago" if not when or when.startswith("0\xa0") else f"{when} ago"
    return f"These rows were queued {ago} as upload #{twin.pk} — queue them again?"


def row_panels(entry: Mapping[str, Any]) -> list[int]:
    """The panels an upload row may go to: its own, or, routed (orders/services/upload_routes),
    every panel of its offer."""
    route = entry.get("route") or {}
    return [int(p) for p in route.get("panels") or [entry["panel_id"]]]


def targets_of(
    entries: Iterable[Mapping[str, Any]], keys: Mapping[int, str] | None = None
) -> dict[int, set[str]]:
    """{panel id: link keys} whose active orders hold the rows back. `keys`: each row's
    `row_key` by its row number, when the caller has them already."""
    targets: dict[int, set[str]] = defaultdict(set)
    for entry in entries:
        if keys is not None:
            key = keys[entry["row"]]
        else:
            values = entry.get("values")
            key = row_key(values if isinstance(values, dict) else {})
        if key:
            for panel_id in row_panels(entry):
                targets[panel_id].add(key)
    return targets


def busy_on(
    entry: Mapping[str, Any], busy: dict[tuple[int, str], ActiveOrder], key: str | None = None
) -> tuple[int, ActiveOrder] | None:
    """(the panel, its active order) holding the row's link on a panel it may go to; None
    when it is free. `key`: the row's `row_key`, when the caller has it already."""
    key = row_key(entry["values"]) if key is None else key
    for panel_id in row_panels(entry):
        active = busy.get((panel_id, key))
        if active is not None:
            return panel_id, active
    return None
