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
benchmarks/upload.py (core/bulk.py does the same for updates).
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

    quote = connection.ops.quote_name
    selects: list[str] = []
    arrays: list[str] = []
    names: list[str] = []
    params: list[Any] = []  # the constants first, in the SELECT, then the arrays, in FROM
    array_params: list[Any] = []
    for number, (field, values) in enumerate(zip(fields, columns, strict=True)):
        # Without a length: an array of varchar(50) would cut its values to fit the cast.
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
        array_params.append(len(objs))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names quoted, values bound
        f"SELECT {', '.join(selects)} FROM {source} RETURNING {quote(str(pk.column))}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + array_params)
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = using
    return len(ids)


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
    first = values[0]
    if all(type(v) is type(first) and v == first for v in values):
        return [first]
    return values


def _has_expression(values: list[Any]) -> bool:
    return any(hasattr(value, "resolve_expression") for value in values)
