"""Write many rows' changed columns in one statement per batch.

Django's `bulk_update` builds a CASE expression per column that PostgreSQL evaluates row by
row; for thousands of rows that costs as much as saving them one by one. On PostgreSQL this
writes `UPDATE t SET col = v.col ... FROM (VALUES (...), ...) AS v WHERE t.id = v.id` instead;
elsewhere it falls back to `bulk_update`. Measured in benchmarks/status_sync.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models


def bulk_update_rows(
    model: type[models.Model],
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    batch_size: int = 1000,
    using: str = "default",
) -> int:
    """Save `fields` of `objs` (already set on the instances). Returns the rows written."""
    if not objs:
        return 0
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model._default_manager.using(using).bulk_update(objs, fields, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    columns: list[models.Field[Any, Any]] = []
    for name in fields:
        column = meta.get_field(name)
        assert isinstance(column, models.Field), f"{name} is not a concrete column"
        columns.append(column)
    quote = connection.ops.quote_name
    casts = [f"%s::{pk.db_type(connection)}"] + [
        f"%s::{column.db_type(connection)}" for column in columns
    ]
    row_sql = "(" + ", ".join(casts) + ")"
    names = ", ".join(quote(str(c.column)) for c in [pk, *columns])
    assignments = ", ".join(f"{quote(str(c.column))} = v.{quote(str(c.column))}" for c in columns)
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params: list[Any] = []
            for obj in batch:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params.extend(
                    c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns
                )
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names quoted, values bound
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v({names}) "
                f"WHERE t.{quote(str(pk.column))} = v.{quote(str(pk.column))}",
                params,
            )
            written += cursor.rowcount
    return written


LOCK_CHUNK = 10_000  # ids per statement: well under a statement's 65,535 parameters


def lock_rows(
    model: type[models.Model], ids: Iterable[Any], *, read: str = "pk", using: str = "default"
) -> dict[Any, Any]:
    """Lock these rows for update in primary-key order, inside the caller's transaction, and
    return {pk: the row's `read` column as it is now, locked}.

    Two transactions that each write many rows of one table lock them in whatever order their
    statements visit them: when two such writers meet (two status syncs of one panel, a sync
    and the stuck check) each may hold a row the other waits for, and PostgreSQL aborts one
    (a deadlock). Locking first, in one order, makes the second writer wait its turn instead.
    """
    ordered = sorted(set(ids))
    manager = model._default_manager.using(using)
    found: dict[Any, Any] = {}
    for start in range(0, len(ordered), LOCK_CHUNK):
        chunk = ordered[start : start + LOCK_CHUNK]
        rows = manager.select_for_update().filter(pk__in=chunk).order_by("pk")
        found.update(rows.values_list("pk", read))
    return found
