"""The trigger that keeps the report totals (PostgreSQL only), and the first count of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from reports import totals_sql


def create_and_count(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    zone = settings.TIME_ZONE
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(totals_sql.CREATE_TRIGGER)
        for sql in totals_sql.rebuild_sql(months=False):  # 0003 adds the months
            cursor.execute(sql, {"zone": zone} if "%(zone)s" in sql else None)
        cursor.execute(
            f"INSERT INTO {totals_sql.STATE} (zone, rebuilt_at) VALUES (%s, %s)",  # noqa: S608
            [zone, timezone.now()],
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(totals_sql.DROP_TRIGGER)
        cursor.execute(f"DELETE FROM {totals_sql.STATE}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("orders", "0010_price_rules"),
    ]

    operations = [migrations.RunPython(create_and_count, drop)]
