"""Write many rows in one statement per batch.

Django's `bulk_update` builds a CASE expression per column that PostgreSQL evaluates row by
row; for thousands of rows that costs as much as saving them one by one, and `bulk_create`
builds a model instance and a placeholder per cell. On PostgreSQL this passes each column as
one array instead (`UPDATE t SET col = v.col ... FROM unnest(%s::type[], ...) AS v WHERE
t.id = v.id`): a statement of a few parameters whatever the number of rows, nothing to parse
per row. Elsewhere (SQLite) it falls back to Django's own. Measured in
benchmarks/status_sync.py. Inserts: core/bulk_insert.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models


def _columns(model: type[models.Model], names: Sequence[str]) -> list[models.Field[Any, Any]]:
    columns: list[models.Field[Any, Any]] = []
    for name in names:
        column = model._meta.get_field(name)
        assert isinstance(column, models.Field), f"{name} is not a concrete column"
        columns.append(column)
    return columns


def _arrays(columns: Sequence[models.Field[Any, Any]], connection: Any) -> str:
    """`%s::type[]` per column, for unnest(); without a length, which would cut overlong
    values silently (the column's own type still refuses them)."""
    return ", ".join(f"%s::{str(column.db_type(connection)).split('(')[0]}[]" for column in columns)


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
    pk = model._meta.pk
    assert pk is not None
    columns = [pk, *_columns(model, fields)]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(c.column)) for c in columns)
    assignments = ", ".join(
        f"{quote(str(c.column))} = v.{quote(str(c.column))}" for c in columns[1:]
    )
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names quoted, values bound
        f"FROM unnest({_arrays(columns, connection)}) AS v({names}) "
        f"WHERE t.{quote(str(pk.column))} = v.{quote(str(pk.column))}"
    )
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params = [
                [c.get_db_prep_save(getattr(obj, c.attname), connection) for obj in batch]
                for c in columns
            ]
            cursor.execute(sql, params)
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
