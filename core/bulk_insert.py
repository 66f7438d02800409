"""Insert many new rows of one model in one statement.

Django's `bulk_create` prepares every column of every row and, on PostgreSQL, sends each
column as an array; new rows mostly hold their defaults, so most of that work sends the same
value thousands of times (an upload's 20,000 orders: 46 columns, 30 of them the same on every
order). On PostgreSQL this writes

    INSERT INTO t (a, b, c, ...) SELECT %s, %s, u.c, ... FROM unnest(%s::c_type[], ...) AS u(c, ...)

with a column the same on every row sent once, the others as one array each, unnested in step:
the rows go in in the order given, and get their ids in that order (as `bulk_create`'s do).
Elsewhere (SQLite), and for anything unusual (expressions as values, fields with their own
placeholders or types PostgreSQL arrays do not take), it is `bulk_create`. Measured in
benchmarks/upload.py (core/bulk.py does the same for updates). `insert_rows` does the same for
plain tuples of values, with no model instance per row (benchmarks/status_sync.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models


def bulk_insert_rows(
    model: type[models.Model], objs: Sequence[models.Model], *, using: str = "default"
) -> int:
    """Insert `objs`, new instances of `model`; each gets its primary key, as with
    `bulk_create` (and, as with it, no signals). On PostgreSQL the fields set automatically
    on creation (auto_now, auto_now_add) get one moment for all the rows, set on the
    instances too. Returns the rows inserted."""
    if not objs:
        return 0
    connection = connections[using]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields: list[Any] = [
        f for f in meta.concrete_fields if f is not pk and not getattr(f, "generated", False)
    ]
    unusual = (
        connection.vendor != "postgresql"
        or not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
        or any(obj.pk is not None for obj in objs)
        or any(hasattr(field, "get_placeholder") for field in fields)
        or any(_internal_type(field) not in connection.data_types for field in fields)
    )
    columns = None if unusual else [_column(field, objs) for field in fields]
    if columns is None or any(_has_expression(values) for values in columns):
        model._default_manager.using(using).bulk_create(objs)
        return len(objs)

    ids = _insert_columns(model, fields, columns, len(objs), connection, returning=True)
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = using
    return len(ids)


def insert_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch_size: int = 1000,
    using: str = "default",
) -> None:
    """Insert `rows`, plain tuples of the values of the fields `names`, in that order, with no
    model instance per row (a status sync's history). Give every column a value: defaults are
    not filled in on PostgreSQL (an auto_now_add column takes the value given there, and
    Django's own time elsewhere)."""
    if not rows:
        return
    connection = connections[using]
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    if connection.vendor != "postgresql":
        attnames = [field.attname for field in fields]
        model._default_manager.using(using).bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=batch_size,
        )
        return
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        columns = [_same_or_all([row[n] for row in batch]) for n in range(len(fields))]
        _insert_columns(model, fields, columns, len(batch), connection, returning=False)


def _insert_columns(
    model: type[models.Model],
    fields: Sequence[Any],
    columns: Sequence[list[Any]],
    rows: int,
    connection: Any,
    *,
    returning: bool,
) -> list[Any]:
    """One INSERT ... SELECT of `rows` rows: a column of one value sent once, the others as
    one array each, unnested in step (so the rows go in, and get their ids, in the order
    given)."""
    quote = connection.ops.quote_name
    selects: list[str] = []
    arrays: list[str] = []
    names: list[str] = []
    params: list[Any] = []  # the constants first, in the SELECT, then the arrays, in FROM
    array_params: list[Any] = []
    for number, (field, values) in enumerate(zip(fields, columns, strict=True)):
        # Without a length: a cast to varchar(50)[] would cut overlong values silently.
        db_type = field.db_type(connection).split("(")[0]
        if len(values) == 1:
            selects.append(f"%s::{db_type}")
            params.append(field.get_db_prep_save(values[0], connection=connection))
        else:
            name = f"c{number}"
            selects.append(f"u.{name}")
            arrays.append(f"%s::{db_type}[]")
            names.append(name)
            array_params.append([field.get_db_prep_save(v, connection=connection) for v in values])
    if arrays:
        source = f"unnest({', '.join(arrays)}) AS u({', '.join(names)})"
    else:  # every row the same in every column
        source = "generate_series(1, %s)"
        array_params.append(rows)
    pk = model._meta.pk
    assert pk is not None
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - names quoted, values bound
        f"({', '.join(quote(f.column) for f in fields)}) SELECT {', '.join(selects)} "
        f"FROM {source}" + (f" RETURNING {quote(str(pk.column))}" if returning else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + array_params)
        return [row[0] for row in cursor.fetchall()] if returning else []


def _same_or_all(values: list[Any]) -> list[Any]:
    """`values` as one when they are all the same (of one type), else all of them."""
    first = values[0]
    if all(type(v) is type(first) and v == first for v in values):
        return [first]
    return values


def _internal_type(field: Any) -> str:
    return str((field.target_field if field.is_relation else field).get_internal_type())


def _column(field: Any, objs: Sequence[models.Model]) -> list[Any]:
    """The field's value on every row, or its one value when it is the same on all of them."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = field.pre_save(objs[0], True)  # now (or today), as each row would get it
        for obj in objs[1:]:
            setattr(obj, field.attname, value)
        return [value]
    if type(field).pre_save is models.Field.pre_save:
        values = [getattr(obj, field.attname) for obj in objs]
    else:
        values = [field.pre_save(obj, True) for obj in objs]
    return _same_or_all(values)


def _has_expression(values: list[Any]) -> bool:
    return any(hasattr(value, "resolve_expression") for value in values)
