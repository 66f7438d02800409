"""The order list's sorts as keys an index reads in order, and a page as "the rows after this
one" (keyset pagination), so that no page costs more than its own rows, however deep it is.

Each sort is a key of one to three expressions, all in one direction: the column sorted on (with
the empty values mapped past every real one, so they come last whichever way it is sorted; an
ascending column is negated, so its ties still go newest first), then `created_at` and `id`.
Because the key never holds NULL and never mixes directions, "after this row" is one row
comparison, `(key...) < (values...)`, which PostgreSQL seeks to in the key's index
(orders/models.py declares the indexes from `SORT_INDEXES`, the same expressions).

No import of orders.models here: the model's indexes are built from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    BigIntegerField,
    DateTimeField,
    DecimalField,
    Expression,
    F,
    Field,
    Func,
    Value,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce

from panels.models import MONEY_DIGITS, MONEY_PLACES

# Past every value the columns can hold: money has MONEY_DIGITS - MONEY_PLACES digits before the
# point; a quantity is a positive bigint.
MONEY_BEYOND = 10 ** (MONEY_DIGITS - MONEY_PLACES)
BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class SortColumn:
    """The sorted column of a sort other than by creation: where its empty values go."""

    field: str
    empty: int  # what an empty value counts as in the key (past every real value)
    negated: bool  # ascending: the key is the value negated, so the key still sorts descending
    money: bool  # Decimal, else a whole number


@dataclass(frozen=True)
class Sort:
    column: SortColumn | None  # None: by creation only
    descending: bool  # the direction of every part of the key


SORTS: dict[str, Sort] = {
    "-created": Sort(None, descending=True),
    "created": Sort(None, descending=False),
    "-charge": Sort(SortColumn("charge", -MONEY_BEYOND, negated=False, money=True), True),
    "charge": Sort(SortColumn("charge", MONEY_BEYOND, negated=True, money=True), True),
    "-quantity": Sort(SortColumn("quantity", -1, negated=False, money=False), True),
    "quantity": Sort(SortColumn("quantity", BIGINT_MAX, negated=True, money=False), True),
}
DEFAULT_SORT = "-created"


def _column_key(column: SortColumn) -> Expression:
    output = (
        DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
        if column.money
        else BigIntegerField()
    )
    key = Coalesce(F(column.field), Value(column.empty), output_field=output)
    return key * Value(-1) if column.negated else key


def key_expressions(sort: str) -> list[Any]:
    """The parts of the sort's key, as expressions (the same the index is built on)."""
    column = SORTS.get(sort, SORTS[DEFAULT_SORT]).column
    parts: list[Any] = [F("created_at"), F("id")]
    return [_column_key(column), *parts] if column else parts


def ordering(sort: str, *, backwards: bool = False) -> list[OrderBy]:
    """The ORDER BY of a sort; `backwards` reads the same order from its end."""
    descending = SORTS.get(sort, SORTS[DEFAULT_SORT]).descending != backwards
    return [part.desc() if descending else part.asc() for part in key_expressions(sort)]


# The indexes the value sorts need (the sorts by creation read order_created_id), as
# (name, key): orders/models.py declares them.
SORT_INDEXES = tuple(
    (f"order_sort_{name.lstrip('-')}_{'desc' if name.startswith('-') else 'asc'}", name)
    for name, sort in SORTS.items()
    if sort.column
)


# ---- A row's place in a sort, and its text in a page's address --------------------------------

Key = tuple[Any, ...]  # one value per part of the key


def row_key(sort: str, *, created_at: datetime, pk: int, value: Any = None) -> Key:
    """The key of a row: what `key_expressions` give for it (`value`: its sorted column)."""
    column = SORTS.get(sort, SORTS[DEFAULT_SORT]).column
    if column is None:
        return (created_at, pk)
    shown = column.empty if value is None else value
    return (-shown if column.negated else shown, created_at, pk)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def key_text(key: Key) -> str:
    """A key as a short, safe query string value: its parts joined by "_", times as
    microseconds since 1970."""
    return "_".join(str(_micros(part)) if isinstance(part, datetime) else str(part) for part in key)


def _whole(text: str, low: int, high: int) -> int | None:
    body = text.removeprefix("-")
    if not body.isascii() or not body.isdigit() or len(body) > 19:
        return None
    number = int(text)
    return number if low <= number <= high else None


def _money(text: str) -> Decimal | None:
    if len(text) > 40 or not text.isascii():
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) > MONEY_BEYOND:
        return None
    return value


def _moment(text: str) -> datetime | None:
    micros = _whole(text, -(10**17), 10**17)
    if micros is None:
        return None
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None


def parse_key(sort: str, text: str) -> Key | None:
    """The key `key_text` wrote for this sort; None for anything else (never an error)."""
    column = SORTS.get(sort, SORTS[DEFAULT_SORT]).column
    parts = text.strip().split("_")
    if len(parts) != (3 if column else 2):
        return None
    value: Any = None
    if column:
        first = parts.pop(0)
        value = _money(first) if column.money else _whole(first, -BIGINT_MAX, BIGINT_MAX)
        if value is None:
            return None
    created, pk = _moment(parts[0]), _whole(parts[1], 0, BIGINT_MAX)
    if created is None or pk is None:
        return None
    return (value, created, pk) if column else (created, pk)


# ---- "After this key": one row comparison ------------------------------------------------------


class Row(Func):
    """`(a, b, c)`: a row value, compared as a whole (PostgreSQL, and SQLite since 3.15)."""

    function = ""
    template = "(%(expressions)s)"
    output_field = Field()


class Numeric(Func):
    """A number given as text, compared as a number (SQLite compares text above numbers)."""

    template = "CAST(%(expressions)s AS NUMERIC)"
    output_field = DecimalField()


def key_values(key: Key) -> Row:
    """The key as a row of values to compare the key's expressions with."""
    values: list[Expression] = []
    for part in key:
        if isinstance(part, datetime):
            values.append(Value(part, output_field=DateTimeField()))
        elif isinstance(part, Decimal):
            values.append(Numeric(Value(str(part))))
        else:
            values.append(Value(int(part), output_field=BigIntegerField()))
    return Row(*values)
