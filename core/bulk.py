"""Write many rows in one statement per batch.

Django's `bulk_update` builds a CASE expression per column that PostgreSQL evaluates row by
row; for thousands of rows that costs as much as saving them one by one, and `bulk_create`
builds a model instance and a placeholder per cell. On PostgreSQL these pass each column as
one array instead (`UPDATE t SET col = v.col ... FROM unnest(%s::type[], ...) AS v WHERE
t.id = v.id`, `INSERT ... SELECT * FROM unnest(...)`): a statement of a few parameters
whatever the number of rows, nothing to parse per row. Elsewhere (SQLite) they fall back to
Django's own. Measured in benchmarks/status_sync.py.
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
    """`%s::type[]` per column, for unnest()."""
    return ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)


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


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch_size: int = 1000,
    using: str = "default",
) -> None:
    """Insert `rows`, each the values of `fields` in that order. Give every column a value:
    defaults are not filled in on PostgreSQL (an auto_now_add column takes the value given
    there, and Django's own time elsewhere)."""
    if not rows:
        return
    connection = connections[using]
    columns = _columns(model, fields)
    if connection.vendor != "postgresql":
        attnames = [c.attname for c in columns]
        model._default_manager.using(using).bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=batch_size,
        )
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(c.column)) for c in columns)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 - names quoted, values bound
        f"SELECT * FROM unnest({_arrays(columns, connection)})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            cursor.execute(
                sql,
                [
                    [c.get_db_prep_save(row[n], connection) for row in batch]
                    for n, c in enumerate(columns)
                ],
            )


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
