"""The order field table (`FIELDS`): how each field is labelled, explained, checked, laid out and
shown in the upload templates; the form, validation, the uploads and the order page all read
it. Also how fields are read back: delays, limits, expiry dates, extra fields, and the values of
an earlier order.

Adding a field: list it in its type in panels.api.order_types (and in LIST_FIELDS if it is a
list), then give it one entry here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from orders.links import whole_or_none
from orders.models import Order
from panels.api.order_types import (
    ORDER_TYPES,
    OTHER,
)
from panels.models import Service

EXTRA_LINE = re.compile(r"^\s*([^=\s]+)\s*=(.*)$")


# What a field holds: it decides the input, how the value is checked and how it is shown.
TEXT = "text"  # one line, trimmed
LINK = "link"  # a web address, checked like the order's link
NUMBER = "number"  # a whole number from `low` to `high`
LIST = "list"  # one item per line; must be in panels.api.order_types.LIST_FIELDS (the wire)
DELAY = "delay"  # minutes, one of SUBSCRIPTION_DELAYS, picked from a list
DATE = "date"  # a day: picked with a date input, checked and sent as d/m/Y


@dataclass(frozen=True)
class FieldSpec:
    """Everything a person meets of one order field: its label and help on the form, what kind
    of value it holds and its limits, its layout, and its upload example.

    The upload column is the field's own name (as the panels' API docs name it); the wire part
    (which types send it, how a list is joined) is panels.api.order_types.
    """

    label: str
    help: str = ""
    kind: str = TEXT
    low: int = 1  # NUMBER: the smallest value allowed
    high: int | None = None  # NUMBER: the largest, if any
    service_limits: bool = False  # NUMBER: also held to the service's min and max
    rows: int = 4  # LIST: the textarea's height
    half: bool = False  # laid out half width, next to its neighbour
    noun: str = ""  # LIST: what its lines are ("12 comments")
    lines_are_links: bool = False  # LIST: each line may be a link, checked for its scheme
    help_by_type: Mapping[str, str] = field(default_factory=dict)  # help that differs per type
    example: str = ""  # the cell the upload templates show ("" for none)


MAX_RUNS, MAX_INTERVAL = 1000, 60 * 24 * 30
DRIPFEED_FIELDS = ("runs", "interval")  # optional together, on a service that offers drip-feed
USERNAME_HELP = {
    "mentions_user_followers": "The followers of this account are mentioned.",
    "comment_likes": "The owner of the comment that gets the likes.",
    "comment_replies": "The owner of the comment that gets the replies.",
    "subscriptions": "The account whose new posts get the service, without the @.",
}

# Every order field, keyed by its name on the wire. The order is the upload columns' order.
FIELDS: dict[str, FieldSpec] = {
    "link": FieldSpec("Link", "The post, profile, video or channel the order is for.",
                      kind=LINK, example="https://instagram.com/p/example"),
    "quantity": FieldSpec("Quantity", kind=NUMBER, service_limits=True, example="1000"),
    "comments": FieldSpec("Comments", "One comment per line.", kind=LIST, rows=6,
                          noun="comments", example="Nice\nCool",
                          help_by_type={"custom_comments_package": "One comment per line. The "
                                        "package has a fixed price."}),
    "usernames": FieldSpec("Usernames", "One username per line.", kind=LIST, rows=5,
                           noun="usernames", example="alice\nbob"),
    "hashtags": FieldSpec("Hashtags", "One hashtag per line.", kind=LIST, noun="hashtags",
                          example="#one\n#two"),
    "hashtag": FieldSpec("Hashtag", "People who posted with this hashtag are mentioned.",
                         example="#summer"),
    "username": FieldSpec("Username", help_by_type=USERNAME_HELP, example="natgeo"),
    "media": FieldSpec("Media link", "The people who liked this post are mentioned.",
                       kind=LINK, example="https://instagram.com/p/media1"),
    "answer_number": FieldSpec("Answer number", "Which answer of the poll gets the votes: 1 is "
                               "the first.", kind=NUMBER, example="2"),
    "groups": FieldSpec("Groups", "One group per line: members are invited from them.",
                        kind=LIST, noun="groups", lines_are_links=True,
                        example="https://t.me/source1\nhttps://t.me/source2"),
    "keywords": FieldSpec("Keywords", "One search keyword per line.", kind=LIST,
                          noun="keywords", example="smm panel\nbest likes"),
    "runs": FieldSpec("Runs", "How many times the quantity is delivered (2 or more).",
                      kind=NUMBER, low=2, high=MAX_RUNS, half=True, example="5"),
    "interval": FieldSpec("Interval", "Minutes between two runs.", kind=NUMBER,
                          high=MAX_INTERVAL, half=True, example="30"),
    "min": FieldSpec("Min per post", kind=NUMBER, service_limits=True, half=True,
                     example="100"),
    "max": FieldSpec("Max per post", kind=NUMBER, service_limits=True, half=True,
                     example="200"),
    "posts": FieldSpec("Posts", "How many new posts to serve. Empty: no limit.", kind=NUMBER,
                       half=True, example="10"),
    "old_posts": FieldSpec("Old posts", "Also serve this many of the latest existing posts.",
                           kind=NUMBER, low=0, half=True, example="0"),
    "delay": FieldSpec("Delay", "How long after a new post to start.", kind=DELAY, low=0,
                       half=True, example="30"),
    # No example: a fixed day would one day be in the past (the generic template shows one).
    "expiry": FieldSpec("Expiry", "Stop on this day. Empty: no end date.", kind=DATE,
                        half=True),
}  # fmt: skip


def field_spec(name: str) -> FieldSpec:
    """The field's entry; a field no table knows (an extra field) is text, labelled by its
    name."""
    return FIELDS.get(name) or FieldSpec(name.replace("_", " ").capitalize())


def delay_label(minutes: int) -> str:
    if minutes == 0:
        return "No delay"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes"
    text = f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{text} {rest} minutes" if rest else text


def limits_text(service: Service) -> str:
    low, high = service.min_quantity, service.max_quantity
    parts = ([f"min {low:,}"] if low else []) + ([f"max {high:,}"] if high else [])
    return " · ".join(parts).capitalize()


def _number(value: object) -> int | None:
    """A whole number typed in a field (1000, 1,000 or 1 000), or None: "1,5" is not 15."""
    number = whole_or_none(value)
    return number if number is not None and number >= 0 else None


def expiry_text(value: str) -> str:
    """A date input's YYYY-MM-DD as the panel's d/m/Y; anything else as typed."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date().strftime("%d/%m/%Y")
    except ValueError:
        return value.strip()


def parse_extra(text: str) -> tuple[dict[str, str], list[str]]:
    """`name=value` lines (blank lines skipped) as a mapping, and what is wrong with the rest.
    The names themselves are checked by validate_order."""
    extra: dict[str, str] = {}
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = EXTRA_LINE.match(line)
        if match is None:
            errors.append(f"Line {number}: write name=value.")
            continue
        name, value = match.group(1), match.group(2).strip()
        if name in extra:
            errors.append(f"Line {number}: {name} is given twice.")
        extra[name] = value
    return extra, errors


def initial_from_order(order: Order) -> dict[str, str]:
    """An order's values as the form's initial values: "place again" starts from these."""
    spec = ORDER_TYPES.get(order.order_type, ORDER_TYPES[OTHER])
    initial: dict[str, str] = {}
    for name in ("link", "quantity", "runs", "interval"):
        value = getattr(order, name)
        if value not in (None, ""):
            initial[name] = str(value)
    extra_lines = []
    for name, value in (order.params or {}).items():
        if name in spec.fields:
            initial[name] = str(value)
        else:
            extra_lines.append(f"{name}={value}")
    if initial.get("expiry"):
        try:
            when = datetime.strptime(initial["expiry"], "%d/%m/%Y").date()
        except ValueError:
            pass
        else:
            initial["expiry"] = when.isoformat()
    if extra_lines:
        initial["extra"] = "\n".join(extra_lines)
    if order.customer_ref:  # the same customer, most likely; the price is suggested anew
        initial["customer"] = order.customer_ref
    return initial
