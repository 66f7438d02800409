"""The upload template filled from the user's own catalog: their panels' names, real service ids
and values within each service's limits, one row per order type they can order.

The generic template (orders.uploads.upload_template_csv) shows every column with placeholder
panel and service ids; this one uploads as it is, every row valid, so a reseller can start from
it by changing the links.
"""

from __future__ import annotations

import csv
import io

from orders.exports import neutralise
from orders.fields import DATE, FIELDS
from orders.sales import SALE_EXAMPLE
from orders.uploads import example_cells, upload_columns
from orders.validation import validate_order
from panels.api.order_types import ORDER_TYPES, OTHER
from panels.models import Service

# The example cells are the generic template's (orders.uploads.example_cells), fitted to the
# service's limits: `quantity`, min and max, and the lines of the counted list (comments,
# usernames) become the service's own. A package gets an Instagram link here.
OWN_LINKS = {"package": "https://instagram.com/p/example2"}
DEFAULT_QUANTITY = 1000
MOST_LINES = 100  # a service whose minimum is more lines than this gets no example row
DRIPFEED = {"link": "https://instagram.com/p/example14", "runs": "5", "interval": "30"}


def _lines(field: str, count: int) -> str:
    return "\n".join(
        f"Comment {n}" if field == "comments" else f"user{n}" for n in range(1, count + 1)
    )


def _fitted(service: Service, dripfeed: bool) -> dict[str, str] | None:
    """The example cells for this service, within its limits; None if they cannot be."""
    spec = ORDER_TYPES.get(service.type, ORDER_TYPES[OTHER])
    low, high = service.min_quantity or 1, service.max_quantity or DEFAULT_QUANTITY
    amount = str(min(max(low, DEFAULT_QUANTITY), high))
    # No fixed day: one day it would be in the past, and the row refused.
    values = {k: v for k, v in example_cells(spec.key).items() if FIELDS[k].kind != DATE}
    if spec.key in OWN_LINKS:
        values["link"] = OWN_LINKS[spec.key]
    if "quantity" in spec.fields:
        values["quantity"] = amount
    if spec.counted_field:
        if low > MOST_LINES:
            return None
        values[spec.counted_field] = _lines(spec.counted_field, max(low, 2))
    if spec.key == "subscriptions":
        values |= {"min": str(low), "max": amount}
    if dripfeed:  # another link: the plain Default row may be for the same service
        values |= DRIPFEED
    clean, _errors = validate_order(service, values)
    return values if clean is not None else None


def template_services() -> list[Service]:
    """Active services of active panels, in the order rows are picked from: by panel name,
    then service id (numeric ids in number order). One query."""
    services = list(
        Service.objects.filter(is_active=True, panel__is_active=True).select_related("panel")
    )
    services.sort(key=lambda s: (s.panel.name.casefold(), len(s.remote_id), s.remote_id))
    return services


def filled_template_rows(services: list[Service]) -> list[tuple[str, Service, dict[str, str]]]:
    """(what the row shows, its service, its cells): the first service of each order type whose
    example fits its limits, and a drip-feed row when a Default service offers drip-feed."""
    rows: dict[str, tuple[str, Service, dict[str, str]]] = {}
    for service in services:
        spec = ORDER_TYPES.get(service.type, ORDER_TYPES[OTHER])
        wanted = [(spec.key, False)]
        if spec.key == "default" and service.dripfeed:
            wanted.append(("default-dripfeed", True))
        for key, dripfeed in wanted:
            if key in rows:
                continue
            values = _fitted(service, dripfeed)
            if values is not None:
                label = f"{spec.label} (drip-feed)" if dripfeed else spec.label
                rows[key] = (label, service, values)
    order = [key for t in ORDER_TYPES for key in (t, f"{t}-dripfeed")]
    return [rows[key] for key in order if key in rows]


def filled_template_csv(rows: list[tuple[str, Service, dict[str, str]]]) -> str:
    """The CSV of those rows, cells neutralised against spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = upload_columns()
    writer.writerow(columns)
    for number, (_label, service, values) in enumerate(rows):
        cells = {"panel": service.panel.name, "service": service.remote_id, **values}
        cells |= SALE_EXAMPLE if number == 0 else {}
        writer.writerow([neutralise(cells.get(column, "")) for column in columns])
    return out.getvalue()
