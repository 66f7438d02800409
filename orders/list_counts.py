"""The order list's counts: its total, and what each state and panel status would give, in
one query however many orders. Exact up to core.counting.COUNT_CAP and "more than" past it,
so that no count reads more than COUNT_CAP + 1 rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper
from django.db.models.expressions import RawSQL

from core.counting import compiled, count_cap, count_sql, is_capped
from orders.models import Order
from orders.selectors import (
    ATTENTION_STATES,
    DEFAULT_ORDER_SORT,
    RAISED,
    OrderFilters,
    filtered_orders,
)
from panels.api.normalise import Status


@dataclass(frozen=True)
class StatusCounts:
    """How many orders match the filters per (our state, panel status) pair, counted without
    the state, status and attention filters, so every count the page shows comes from it:
    the total of the current filter, and what each state or status would give instead."""

    pairs: dict[tuple[str, str], int]
    # of those, the ones with something raised for a person
    raised: dict[tuple[str, str], int] = dataclass_field(default_factory=dict)

    def _matching(self, *, state: str | None, status: str | None, attention: bool) -> int:
        return sum(
            count if not attention or s in ATTENTION_STATES else self.raised.get((s, st), 0)
            for (s, st), count in self.pairs.items()
            if (state is None or s == state) and (status is None or st == status)
        )

    def total(self, filters: OrderFilters) -> int:
        """Orders matching every filter: the list's length."""
        return self._matching(
            state=filters.state or None, status=filters.status or None, attention=filters.attention
        )

    def per_state(self, filters: OrderFilters) -> dict[str, int]:
        """Per state of ours: the orders the list would show with that state chosen."""
        status = filters.status or None
        return {
            state: self._matching(state=state, status=status, attention=filters.attention)
            for state in Order.State.values
        }

    def per_status(self, filters: OrderFilters) -> dict[str, int]:
        """Per panel status that occurs: the orders the list would show with it chosen."""
        state = filters.state or None
        return {
            status: self._matching(state=state, status=status, attention=filters.attention)
            for status in sorted({st for _, st in self.pairs if st})
        }

    @property
    def everything(self) -> int:
        """Orders matching the filters other than state, status and attention."""
        return sum(self.pairs.values())


@dataclass(frozen=True)
class ListCounts:
    """Every count the order list shows. Each is exact up to COUNT_CAP; past it, only "more
    than COUNT_CAP" is known (`is_capped`). The counts per state and status are None when the
    list has more than COUNT_CAP orders and a filter no index serves (a search, a service...):
    counting them would read every order of each."""

    total: int  # the list's length
    everything: int | None = None  # the "All" chip: without our state and "needs attention"
    per_state: dict[str, int] | None = None  # with that state instead (every state)
    any_status: int | None = None  # the "Any" chip: without the panel status
    per_status: dict[str, int] | None = None  # with that status instead (those that occur)

    @property
    def capped(self) -> bool:
        """Some count the page shows is "more than COUNT_CAP"."""
        shown = [self.total, self.everything or 0, self.any_status or 0]
        shown += [*(self.per_state or {}).values(), *(self.per_status or {}).values()]
        return any(is_capped(n) for n in shown)


# Every (state, status) pair an order can be in: the pairs counted one by one, each from the
# index that starts with them (order_status_state; order_sync for one panel).
_PAIRS = [(state, status) for state in Order.State.values for status in ("", *Status.ALL)]


def _countable_by_pairs(filters: OrderFilters) -> bool:
    """Whether an index serves every (state, status) pair's count under these filters: no
    filter but a panel and dates besides state, status and attention."""
    others = replace(
        filters, panel_id=None, date_from=None, date_to=None, state="", status="",
        attention=False, sort=DEFAULT_ORDER_SORT,
    )  # fmt: skip
    return others == OrderFilters()


def order_list_counts(*, filters: OrderFilters) -> ListCounts:
    """The counts of the order list: its total, and what each state and status would give.
    One query, however many orders, which reads a bounded number of rows:

    - the orders matching the filters other than state, status and attention, COUNT_CAP + 1
      at most. When that is all of them, every count comes from their (state, status) pairs,
      exactly, and nothing else is read.
    - past COUNT_CAP, when an index serves the filters (none, a panel, dates): each (state,
      status) pair is counted on its own, from that index, up to COUNT_CAP + 1; a count that
      sums a pair past COUNT_CAP is "more than COUNT_CAP".
    - past COUNT_CAP otherwise: the list's total alone, up to COUNT_CAP + 1.
    The database runs only the part that applies.
    """
    cap = count_cap()
    matching = filtered_orders(filters, with_state=False).order_by()
    if filters.date_from is not None or filters.date_to is not None:
        # Orders of a few days sit together in the table (rows are added as orders are made),
        # but the planner takes them for spread evenly: it would scan the table for the first
        # COUNT_CAP + 1, which, from wherever a synchronised scan starts, can mean reading
        # most of it first (a lone render of 300 ms in twenty at 2,000,000 orders). In the
        # order of an index on the date they are found where they are.
        matching = matching.order_by("-created_at", "-id")
    base = matching.annotate(raised=ExpressionWrapper(RAISED, output_field=BooleanField())).values(
        "state", "status", "raised"
    )[: cap + 1]
    base_sql, base_params = compiled(base)
    arguments: list[Any] = list(base_params)
    ctes = [f"base AS ({base_sql})", "n AS (SELECT COUNT(*) AS n FROM base)"]
    parts = [
        "SELECT 'pair', state, status, COUNT(*), SUM(CASE WHEN raised THEN 1 ELSE 0 END) "  # noqa: S608
        f"FROM base, n WHERE n.n <= {cap} GROUP BY state, status"
    ]
    if _countable_by_pairs(filters):
        values = ", ".join(f"('{state}', '{status}')" for state, status in _PAIRS)
        ctes.append(f"pairs (s, t) AS (VALUES {values})")
        pair = filtered_orders(replace(filters, state="", status="", attention=False)).filter(
            state=RawSQL("pairs.s", ()), status=RawSQL("pairs.t", ())
        )
        every_sql, every_params = count_sql(pair)
        raised_sql, raised_params = (
            count_sql(pair.filter(RAISED)) if filters.attention else ("0", [])
        )
        parts.append(
            f"SELECT 'capped', pairs.s, pairs.t, {every_sql}, {raised_sql} "  # noqa: S608 (Django's SQL)
            f"FROM pairs, n WHERE n.n > {cap}"
        )
        arguments += every_params + raised_params
    else:
        total_sql, total_params = count_sql(filtered_orders(filters))
        parts.append(
            f"SELECT 'total', '', '', {total_sql}, 0 FROM n WHERE n.n > {cap}"  # noqa: S608 (Django's SQL)
        )
        arguments += total_params
    statement = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(statement, arguments)
        rows = cursor.fetchall()
    if any(kind == "total" for kind, *_ in rows):
        return ListCounts(total=next(n for kind, _, _, n, _ in rows if kind == "total"))
    pairs = {(state, status): n for _, state, status, n, _ in rows if n}
    raised = {(state, status): int(r) for _, state, status, _, r in rows if r}
    counts = StatusCounts(pairs=pairs, raised=raised)
    return ListCounts(
        total=counts.total(filters),
        everything=counts.total(replace(filters, state="", attention=False)),
        per_state=counts.per_state(filters),
        any_status=counts.total(replace(filters, status="")),
        per_status=counts.per_status(filters),
    )
