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
from orders.uploads import ALL_COLUMNS
from orders.validation import validate_order
from panels.api.order_types import ORDER_TYPES, OTHER
from panels.models import Service

# Example cells per order type, before fitting them to the service's limits: `quantity` and the
# lines of the counted list (comments, usernames) become the service's own minimum.
EXAMPLES: dict[str, dict[str, str]] = {
    "default": {"link": "https://instagram.com/p/example1"},
    "package": {"link": "https://instagram.com/p/example2"},
    "seo": {"link": "https://example.com/", "keywords": "smm panel\nbest likes"},
    "custom_comments": {"link": "https://instagram.com/p/example3"},
    "custom_comments_package": {"link": "https://instagram.com/p/example4",
                                "comments": "Nice\nCool"},
    "mentions": {"link": "https://instagram.com/p/example5", "usernames": "alice\nbob"},
    "mentions_with_hashtags": {"link": "https://instagram.com/p/example6",
                               "usernames": "alice\nbob", "hashtags": "#one\n#two"},
    "mentions_custom_list": {"link": "https://instagram.com/p/example7"},
    "mentions_hashtag": {"link": "https://instagram.com/p/example8", "hashtag": "#summer"},
    "mentions_user_followers": {"link": "https://instagram.com/p/example9",
                                "username": "natgeo"},
    "mentions_media_likers": {"link": "https://instagram.com/p/example10",
                              "media": "https://instagram.com/p/media1"},
    "comment_likes": {"link": "https://instagram.com/p/example11", "username": "comment_owner"},
    "comment_replies": {"link": "https://instagram.com/p/example12",
                        "username": "comment_owner"},
    "poll": {"link": "https://t.me/poll/1", "answer_number": "2"},
    "invites_from_groups": {"link": "https://t.me/group",
                            "groups": "https://t.me/source1\nhttps://t.me/source2"},
    "subscriptions": {"username": "natgeo", "posts": "10", "old_posts": "0", "delay": "30"},
    OTHER: {"link": "https://instagram.com/p/example13"},
}  # fmt: skip
DEFAULT_QUANTITY = 1000
MOST_LINES = 100  # a service whose minimum is more lines than this gets no example row
DRIPFEED = {"link": "https://instagram.com/p/example14", "runs": "5", "interval": "30"}


def _lines(field: str, count: int) -> str:
    return "\n".join(f"Comment {n}" if field == "comments" else f"user{n}"
                     for n in range(1, count + 1))  # fmt: skip


def _fitted(service: Service, dripfeed: bool) -> dict[str, str] | None:
    """The example cells for this service, within its limits; None if they cannot be."""
    spec = ORDER_TYPES.get(service.type, ORDER_TYPES[OTHER])
    low, high = service.min_quantity or 1, service.max_quantity or DEFAULT_QUANTITY
    amount = str(min(max(low, DEFAULT_QUANTITY), high))
    values = dict(EXAMPLES.get(spec.key, EXAMPLES[OTHER]))
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
    writer.writerow(ALL_COLUMNS)
    for _label, service, values in rows:
        cells = {"panel": service.panel.name, "service": service.remote_id, **values}
        writer.writerow([neutralise(cells.get(column, "")) for column in ALL_COLUMNS])
    return out.getvalue()
