"""Counts that stop: a page over millions of rows counts up to COUNT_CAP and says "more than
COUNT_CAP" past it, so that no count reads more than COUNT_CAP + 1 rows (the order list, the
overview). Many such counts go to the database as one statement of scalar subqueries.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import connections
from django.db.models import QuerySet, Value

COUNT_CAP = 10_000  # read when a count is made (tests lower it): use `count_cap()`


def count_cap() -> int:
    return COUNT_CAP


def is_capped(count: int) -> bool:
    """A count past COUNT_CAP: only "more than COUNT_CAP" is known (it may have stopped)."""
    return count > COUNT_CAP


def count_text(count: int) -> str:
    """A count as a page shows it: "12,345", or "10,000+" past COUNT_CAP."""
    return f"{COUNT_CAP:,}+" if is_capped(count) else f"{count:,}"


class ShownCount:
    """For a dataclass with a `count` field that may stop at COUNT_CAP: how it reads."""

    count: int

    @property
    def text(self) -> str:
        return count_text(self.count)

    @property
    def capped(self) -> bool:
        return is_capped(self.count)

    @property
    def cap(self) -> int:
        return COUNT_CAP


def compiled(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """The queryset's SQL and parameters, to put inside a statement of one's own."""
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def count_sql(rows: QuerySet[Any], *, capped: bool = True) -> tuple[str, list[Any]]:
    """SQL for how many rows `rows` holds, counting no more than COUNT_CAP + 1 (every one when
    not `capped`), as a scalar subquery. It reads only what the filter reads (`SELECT 1`): an
    index alone when the filter is in one."""
    ones = rows.order_by().annotate(one=Value(1)).values("one")
    sql, params = compiled(ones[: COUNT_CAP + 1] if capped else ones)
    return f"(SELECT COUNT(*) FROM ({sql}) AS counted)", list(params)  # noqa: S608 (Django's SQL)


def counts_at_once(
    counts: dict[str, QuerySet[Any]], *, exact: Collection[str] = (), using: str = "default"
) -> dict[str, int]:
    """Each queryset's count, up to COUNT_CAP + 1 (the names in `exact`: all of it), in one
    query."""
    if not counts:
        return {}
    columns, params = [], []
    for name, rows in counts.items():
        sql, part = count_sql(rows, capped=name not in exact)
        columns.append(sql)
        params += part
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        row = cursor.fetchone()
    return dict(zip(counts, row, strict=True))
