"""Uploads: check every row of a CSV file or mass-order text against the catalog, then submit.

`upload_check` reads the file (orders.uploads), then checks all rows in a fixed number of
queries whatever their count: the panels, the services named by the rows, the active orders
on their links and the price rules, each in one query (and, when a rule suggests prices for
rows without one, the base currency and the rates; the offers of routed rows, all together).
`upload_submit` queues the valid rows once: each order carries (upload, row), unique
together, so a second submit creates nothing; with its sale price (the row's own or the
suggestion) and customer. It too reads and writes in a fixed number of queries: the orders
are built and validated as `order_create` builds them, then inserted together
(core.bulk_insert). benchmarks/upload.py times both with 20,000 rows.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from core.bulk_insert import bulk_insert_rows
from orders.fields import FIELDS
from orders.models import Order, Upload
from orders.sales import read_sale
from orders.services.create import order_dispatch_soon
from orders.services.duplicates import (
    active_order_text,
    active_orders,
    busy_on,
    content_hash,
    lock_panels,
    row_key,
    row_panels,
    targets_of,
    twin_text,
    upload_recent_twin,
)
from orders.services.upload_orders import route_again, row_order, set_aside
from orders.services.upload_routes import read_route, rows_routed
from orders.upload_totals import suggest_for_rows, upload_day
from orders.uploads import (
    ROUTE_COLUMN,
    ParsedUpload,
    UploadError,
    parse_csv,
    parse_mass_text,
    upload_columns,
)
from orders.validation import validate_order
from panels.api.order_types import ORDER_TYPES, OTHER
from panels.models import Panel, Service

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "UPLOAD_MAX_ROWS", DEFAULT_MAX_ROWS))


class QueueAgainNeeded(UploadError):
    """The same content was queued recently: submitting needs an explicit "again"."""

    def __init__(self, previous: Upload):
        self.previous = previous
        super().__init__(twin_text(previous))


def _parse(kind: str, data: bytes | str) -> ParsedUpload:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes():
        mb = max_bytes() / (1024 * 1024)
        raise UploadError(f"The upload is larger than {mb:g} MB. Split it into smaller files.")
    if kind == Upload.Kind.CSV:
        return parse_csv(raw, max_rows=max_rows())
    if kind == Upload.Kind.MASS:
        text = data if isinstance(data, str) else raw.decode("utf-8-sig", "replace")
        return parse_mass_text(text, max_rows=max_rows())
    raise UploadError(f"Unknown upload kind {kind!r}.")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def upload_check(
    *, kind: str, data: bytes | str, filename: str = "", panel: Panel | None = None, user: Any
) -> Upload:
    """Read and check an upload; saves it (previewed) with its valid and invalid rows.

    Raises UploadError when the file as a whole cannot be read (nothing is saved then)."""
    if kind == Upload.Kind.MASS and panel is None:
        raise UploadError("Choose the panel the mass-order text is for.")
    parsed = _parse(kind, data)
    if panel is not None and kind == Upload.Kind.MASS:
        for row in parsed.rows:
            row["panel"] = panel.name

    panels = {_key(p.name): p for p in Panel.objects.all()}  # query 1 (a handful of rows)
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in parsed.rows:
        found = panels.get(_key(row.get("panel", "")))
        if found is not None and row.get("service", "").strip():
            wanted[found.pk].add(row["service"].strip())
    services: dict[tuple[int, str], Service] = {}
    if wanted:
        condition = Q()
        for panel_id, ids in wanted.items():
            condition |= Q(panel_id=panel_id, remote_id__in=sorted(ids))
        by_pk = {p.pk: p for p in panels.values()}
        for service in Service.objects.filter(condition):  # query 2
            service.panel = by_pk[service.panel_id]
            services[(service.panel_id, service.remote_id)] = service

    valid: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    seen: dict[tuple[object, ...], int] = {}
    keys: dict[int, str] = {}  # each valid row's link key, read once
    word = row_word(kind)
    for row in parsed.rows:
        errors, checked = _check_row(row, panels, services, seen, keys, word=word)
        if errors:
            invalid.append(_invalid(row, errors))
        else:
            valid.append(checked)

    # Rows naming an offer get their panel now: four queries for all the offers of the file
    # together, none without routed rows.
    unroutable, chosen = rows_routed(valid)
    busy = active_orders(targets_of(valid, keys))  # one query
    names = {p.pk: p.name for p in panels.values()}
    still_valid = []
    for entry in valid:
        row = entry.pop("raw")
        held = busy_on(entry, busy, keys[entry["row"]])
        if entry["row"] in unroutable:
            invalid.append(_invalid(row, [unroutable[entry["row"]]]))
        elif held is not None:
            what = "link" if entry["link"] else "username"
            text = active_order_text(held[1], panel=names.get(held[0], ""), what=what)
            invalid.append(_invalid(row, [text]))
        else:
            still_valid.append(entry)
    invalid.sort(key=lambda r: r["row"])
    # Rows without a sale price get the price rule's suggestion: one query for the rules,
    # two more when one applies.
    suggest_for_rows(still_valid, [*services.values(), *chosen], upload_day())

    return Upload.objects.create(  # the last query
        kind=kind,
        filename=filename[:255],
        panel=panel if kind == Upload.Kind.MASS else None,
        uploaded_by=user if getattr(user, "pk", None) else None,
        rows_total=len(parsed.rows),
        rows_valid=len(still_valid),
        rows_invalid=len(invalid),
        valid_rows=still_valid,
        invalid_rows=invalid,
        content_hash=content_hash(kind, data, panel_id=panel.pk if panel else None),
    )


def row_word(kind: str) -> str:
    """What people call a row: a row of a spreadsheet, a line of pasted text."""
    return "line" if kind == Upload.Kind.MASS else "row"


def _place(row: dict[str, str]) -> dict[str, int]:
    """Where the row is: its row number, and the file line it starts on only when that differs
    (a quoted cell with line breaks above it, blank lines...)."""
    number, line = int(row["row"]), int(row["line"])
    return {"row": number} if line == number else {"row": number, "line": line}


def _invalid(row: dict[str, str], errors: list[str]) -> dict[str, Any]:
    columns = upload_columns()
    raw = {k: v for k, v in row.items() if k in columns}
    return {**_place(row), "raw": raw, "errors": errors}


def _check_row(
    row: dict[str, str],
    panels: dict[str, Panel],
    services: dict[tuple[int, str], Service],
    seen: dict[tuple[object, ...], int],
    keys: dict[int, str],
    *,
    word: str,
) -> tuple[list[str], dict[str, Any]]:
    number = int(row["row"])
    if "__format__" in row:
        parts = int(row["__format__"])
        return [
            "Write the line as: service id | link | quantity, optionally followed by | sale "
            f"price | customer (found {parts} part{pluralize(parts)} separated by |)."
        ], {}
    if "__extra__" in row:
        return ["This row has more cells than the header row has columns."], {}
    name, remote_id = row.get("panel", "").strip(), row.get("service", "").strip()
    if not name:
        return ["The panel is missing."], {}
    panel = panels.get(_key(name))
    if panel is None:
        return [f"There is no panel named {name[:60]!r}."], {}
    if not remote_id:
        return ["The service id is missing."], {}
    service = services.get((panel.pk, remote_id))
    if service is None:
        return [f"{panel.name} has no service with id {remote_id[:40]!r}."], {}
    if not service.is_active:
        return [f"Service {remote_id} is no longer offered by {panel.name}."], {}
    if not panel.is_active:
        return [f"The panel {panel.name} is disabled."], {}

    spec = ORDER_TYPES.get(service.type, ORDER_TYPES[OTHER])
    errors = [
        f"The column {column!r} does not apply to {spec.label} services: leave it empty."
        for column, value in row.items()
        if column in FIELDS and column not in spec.fields and value.strip()
    ]
    values = {k: v for k, v in row.items() if k in spec.fields and v.strip()}
    clean, field_errors = validate_order(service, values)
    for field_name, messages in field_errors.items():
        # Named as its column is (the field's name), the way the file names it.
        label = field_name.replace("_", " ").capitalize()
        errors.extend(m if m.startswith(label) else f"{label}: {m}" for m in messages)
    sale = read_sale(row.get("sale_price", ""), row.get("customer", ""))
    errors.extend(m for messages in sale.errors.values() for m in messages)
    routed, route_error = read_route(row.get(ROUTE_COLUMN, ""))
    if route_error:
        errors.append(route_error)
    elif routed and not service.match_key:
        errors.append(f"Route: {service.name[:60]} is matched with no offer to route.")
    if errors or clean is None:
        return errors, {}
    target = row_key(values)
    # Rows for one link are one purchase: on one panel and service, or, where a row is
    # routed, on any panel of its offer (it may land where another row of the file named).
    offer_key = ("offer", service.match_key, target)
    routed_key = ("routed", service.match_key, target)
    own_key = routed_key if routed else (panel.pk, service.pk, target)
    checks = (
        [(offer_key, "offer")] if routed else [(own_key, "panel, service"), (routed_key, "offer")]
    )
    for key, same in checks if target else []:
        if key in seen:
            return [f"Same {same} and link as {word} {seen[key]}."], {}
    if target:
        seen[own_key] = number
        if service.match_key:
            seen.setdefault(offer_key, number)
    keys[number] = target
    return [], {
        **_place(row),
        "service_id": service.pk,
        "panel_id": panel.pk,
        "panel": panel.name,
        "service": service.remote_id,
        "type": service.type,
        "values": dict(values.items()),
        "link": clean.link,
        "quantity": clean.billable,
        "cost": clean.estimated_cost,
        "sale_price": str(sale.price) if sale.price is not None else "",
        "customer": sale.customer,
        **({"route": {"key": service.match_key}} if routed else {}),
        "raw": row,
    }


def upload_submit(*, upload: Upload, user: Any, again: bool = False) -> int:
    """Queue an order for each valid row not queued yet; the number of orders created.

    Inside one transaction, after locking the upload and the panels the rows are for: rows
    whose link got an active order since the preview (another upload, the order form) are
    refused and moved to the invalid rows with the reason, and so are rows no longer valid
    (validated again, as `order_create` does, and routed rows routed again); the others are
    queued, inserted together, and each panel's dispatcher is woken once after the commit.
    Raises QueueAgainNeeded (nothing done) when the same content was queued within the last
    24 hours, unless `again`.

    A fixed number of queries whatever the number of rows (on PostgreSQL; SQLite inserts
    the orders in batches of its variable limit): the upload, the panels' locks, the twin
    check, the rows queued already, the active orders, the panels, the offers of the routed
    rows (three queries for them all), the services, the orders, the upload again.
    """
    source = Order.Source.CSV if upload.kind == Upload.Kind.CSV else Order.Source.MASS
    placed_by = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        # Rows are queued once: a second submit of this upload waits here for the first to
        # commit, then finds its rows queued (`done`).
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        lock_panels({panel for entry in locked.valid_rows for panel in row_panels(entry)})
        first_submit = locked.state != Upload.State.SUBMITTED
        if first_submit and not again:
            twin = upload_recent_twin(locked)
            if twin is not None:
                raise QueueAgainNeeded(twin)
        done = set(Order.objects.filter(upload=locked).values_list("upload_row", flat=True))
        pending = [entry for entry in locked.valid_rows if entry["row"] not in done]
        keys = {entry["row"]: row_key(entry["values"]) for entry in pending}
        busy = active_orders(targets_of(pending, keys), exclude_upload=locked.pk)
        names = dict(Panel.objects.values_list("pk", "name"))
        routes = route_again(pending, frozenset(names))
        service_ids = {entry["service_id"] for entry in pending if not entry.get("route")}
        service_ids |= {found[0] for found in routes.values() if not isinstance(found, str)}
        services = Service.objects.select_related("panel").in_bulk(service_ids)
        refused: dict[int, list[str]] = {}
        orders: list[Order] = []
        create = {"source": source, "placed_by": placed_by, "upload": locked}
        for entry in pending:
            held = busy_on(entry, busy, keys[entry["row"]])
            if held is not None:
                what = "link" if entry["link"] else "username"
                text = active_order_text(held[1], panel=names.get(held[0], ""), what=what)
                refused[entry["row"]] = [text]
                continue
            made = row_order(entry, routes, services, create)
            if isinstance(made, Order):
                orders.append(made)
            else:
                logger.info("upload %s row %s not queued: %s", locked.pk, entry["row"], made)
                refused[entry["row"]] = made
        bulk_insert_rows(Order, orders)  # one INSERT (SQLite: batches of its variable limit)
        for panel_id in sorted({order.panel_id for order in orders}):
            order_dispatch_soon(panel_id=panel_id)  # one wake-up per panel, not one per order
        fields = set_aside(locked, refused)
        if first_submit:
            locked.state = Upload.State.SUBMITTED
            locked.submitted_at = timezone.now()
            fields += ["state", "submitted_at"]
        if fields:
            locked.save(update_fields=fields)
    for name in (
        "state",
        "submitted_at",
        "valid_rows",
        "invalid_rows",
        "rows_valid",
        "rows_invalid",
    ):
        setattr(upload, name, getattr(locked, name))
    return len(orders)
