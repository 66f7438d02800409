"""How each order field is labelled, explained and read back: the help table, delays,
limits, expiry dates, extra fields, and the values of an earlier order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from orders.links import whole_or_none
from orders.models import Order
from panels.api.order_types import (
    ORDER_TYPES,
    OTHER,
)
from panels.models import Service

EXTRA_LINE = re.compile(r"^\s*([^=\s]+)\s*=(.*)$")


@dataclass(frozen=True)
class FieldInfo:
    label: str
    help: str = ""


FIELD_INFO: dict[str, FieldInfo] = {
    "link": FieldInfo("Link", "The post, profile, video or channel the order is for."),
    "quantity": FieldInfo("Quantity"),
    "runs": FieldInfo("Runs", "How many times the quantity is delivered (2 or more)."),
    "interval": FieldInfo("Interval", "Minutes between two runs."),
    "comments": FieldInfo("Comments", "One comment per line."),
    "usernames": FieldInfo("Usernames", "One username per line."),
    "hashtags": FieldInfo("Hashtags", "One hashtag per line."),
    "keywords": FieldInfo("Keywords", "One search keyword per line."),
    "groups": FieldInfo("Groups", "One group per line: members are invited from them."),
    "hashtag": FieldInfo("Hashtag", "People who posted with this hashtag are mentioned."),
    "username": FieldInfo("Username"),
    "media": FieldInfo("Media link", "The people who liked this post are mentioned."),
    "answer_number": FieldInfo("Answer number", "Which answer of the poll gets the votes: 1 is "
                               "the first."),
    "min": FieldInfo("Min per post"),
    "max": FieldInfo("Max per post"),
    "posts": FieldInfo("Posts", "How many new posts to serve. Empty: no limit."),
    "old_posts": FieldInfo("Old posts", "Also serve this many of the latest existing posts."),
    "delay": FieldInfo("Delay", "How long after a new post to start."),
    "expiry": FieldInfo("Expiry", "Stop on this day. Empty: no end date."),
}  # fmt: skip


USERNAME_HELP = {
    "mentions_user_followers": "The followers of this account are mentioned.",
    "comment_likes": "The owner of the comment that gets the likes.",
    "comment_replies": "The owner of the comment that gets the replies.",
    "subscriptions": "The account whose new posts get the service, without the @.",
}


ROWS = {"comments": 6, "usernames": 5, "keywords": 4, "hashtags": 4, "groups": 4}


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
    return initial
