"""Every order type of API v2: the fields `add` takes, how they are sent, and how the price is
computed.

No Django imports: this is the wire-level half of the field table. Which fields each type sends
(in the order a person fills them), which fields are lists and how a list is joined, and the one
function that builds the body of an `add` (`add_fields`). The person-facing half (labels, help,
kinds, limits, layout, upload columns) is `orders.fields.FIELDS`, keyed by the same names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

# How the cost of an order is computed from the service's rate.
PER_1000 = "per_1000"  # rate × quantity / 1000 (× runs with drip-feed)
FLAT = "flat"  # the rate is the price of one package
PER_LINE = "per_line"  # quantity = number of lines in a list field, priced per 1000
SUBSCRIPTION = "subscription"  # reserve max × posts × rate / 1000

# Fields that hold one item per line; sent joined with "\n" (blank lines dropped).
LIST_FIELDS = frozenset({"comments", "usernames", "hashtags", "keywords", "groups"})
SUBSCRIPTION_DELAYS = (
    0,
    5,
    10,
    15,
    30,
    60,
    90,
    120,
    150,
    180,
    210,
    240,
    270,
    300,
    360,
    420,
    480,
    540,
    600,
)


@dataclass(frozen=True, slots=True)
class OrderType:
    key: str
    label: str
    fields: tuple[str, ...]  # every field `add` takes, in the order a person fills them
    optional: tuple[str, ...] = ()  # those of `fields` that may be left out
    pricing: str = PER_1000
    counted_field: str | None = None  # for PER_LINE: the list whose lines are the quantity

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name in self.fields if name not in self.optional)


_TYPES = (
    OrderType("default", "Default", ("link", "quantity", "runs", "interval"),
              optional=("runs", "interval")),
    OrderType("package", "Package", ("link",), pricing=FLAT),
    OrderType("seo", "SEO", ("link", "quantity", "keywords")),
    OrderType(
        "custom_comments", "Custom Comments", ("link", "comments"),
        pricing=PER_LINE, counted_field="comments",
    ),
    OrderType("custom_comments_package", "Custom Comments Package", ("link", "comments"),
              pricing=FLAT),
    OrderType("mentions", "Mentions", ("link", "quantity", "usernames")),
    OrderType("mentions_with_hashtags", "Mentions with Hashtags",
              ("link", "quantity", "usernames", "hashtags")),
    OrderType(
        "mentions_custom_list", "Mentions Custom List", ("link", "usernames"),
        pricing=PER_LINE, counted_field="usernames",
    ),
    OrderType("mentions_hashtag", "Mentions Hashtag", ("link", "quantity", "hashtag")),
    OrderType("mentions_user_followers", "Mentions User Followers",
              ("link", "quantity", "username")),
    OrderType("mentions_media_likers", "Mentions Media Likers", ("link", "quantity", "media")),
    OrderType("comment_likes", "Comment Likes", ("link", "quantity", "username")),
    OrderType(
        "comment_replies", "Comment Replies", ("link", "username", "comments"),
        pricing=PER_LINE, counted_field="comments",
    ),
    OrderType("poll", "Poll", ("link", "quantity", "answer_number")),
    OrderType("invites_from_groups", "Invites from Groups", ("link", "quantity", "groups")),
    OrderType(
        "subscriptions", "Subscriptions",
        ("username", "min", "max", "posts", "old_posts", "delay", "expiry"),
        optional=("posts", "old_posts", "expiry"), pricing=SUBSCRIPTION,
    ),
    # A type this table does not know: Default's fields, plus whatever extra fields a user adds.
    OrderType("other", "Other", ("link", "quantity", "runs", "interval"),
              optional=("runs", "interval")),
)  # fmt: skip

ORDER_TYPES: dict[str, OrderType] = {t.key: t for t in _TYPES}
OTHER = "other"


def _type_key_text(raw: str) -> str:
    return re.sub(r"[\s_\-]+", " ", raw).strip().lower()


_BY_LABEL = {_type_key_text(t.label): t.key for t in _TYPES if t.key != OTHER}
_BY_LABEL["subscription"] = "subscriptions"
_BY_LABEL["custom comment"] = "custom_comments"


def order_type_key(raw_type: str) -> str:
    """Normalised type key for any casing/spelling ("Custom Comments", "custom_comments")."""
    return _BY_LABEL.get(_type_key_text(raw_type or "default"), OTHER)


def split_lines(value: object) -> list[str]:
    """One item per line (\\n or \\r\\n); blank lines dropped, each item stripped."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = str(value or "").splitlines()
    return [item.strip() for item in items if item.strip()]


FieldValue = str | int | Decimal | list[str] | tuple[str, ...]


def add_fields(order_type: str | None, values: Mapping[str, FieldValue | None]) -> dict[str, str]:
    """The form fields of an `add`, as strings, in the order of `values`: the one place the
    body is built (the client sends it; validation prices it; tests compare with it).

    Lists are sent one item per line; other values trimmed; empty values left out. Fields the
    type does not list are passed through (panels have extras such as `order_style`). With a
    type, raises ValueError naming any missing required field.
    """
    fields: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name in LIST_FIELDS:
            text = "\n".join(split_lines(value))
        elif isinstance(value, list | tuple):
            text = "\n".join(str(v) for v in value)
        else:
            text = str(value).strip()
        if text:
            fields[name] = text
    if order_type is None:
        return fields
    spec = ORDER_TYPES.get(order_type, ORDER_TYPES[OTHER])
    missing = [name for name in spec.required if name not in fields]
    if missing:
        raise ValueError(f"{spec.label} orders need: {', '.join(missing)}")
    return fields


def billable_quantity(order_type: str, values: Mapping[str, FieldValue | None]) -> int | None:
    """Units the panel will deliver and charge for (None where the type has no quantity)."""
    spec = ORDER_TYPES.get(order_type, ORDER_TYPES[OTHER])
    if spec.pricing == PER_LINE and spec.counted_field:
        return len(split_lines(values.get(spec.counted_field)))
    if spec.pricing in (FLAT, SUBSCRIPTION):
        return None
    quantity = _int(values.get("quantity"))
    if quantity is None:
        return None
    runs = _int(values.get("runs"))
    return quantity * runs if runs else quantity


def estimate_cost(
    order_type: str, rate: Decimal, values: Mapping[str, FieldValue | None]
) -> Decimal | None:
    """What the order should cost at this rate, exactly; None if it cannot be known up front."""
    spec = ORDER_TYPES.get(order_type, ORDER_TYPES[OTHER])
    if spec.pricing == FLAT:
        return rate
    if spec.pricing == SUBSCRIPTION:
        maximum, posts = _int(values.get("max")), _int(values.get("posts"))
        if maximum is None or posts is None:
            return None  # without posts a subscription has no upper bound
        return rate * maximum * posts / 1000
    units = billable_quantity(order_type, values)
    return None if units is None else rate * units / 1000


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None
