"""A trigram index for searching order links by any part, on PostgreSQL only.

`icontains` searches UPPER(link), so the index is on that expression. Creating the pg_trgm
extension needs a privileged role; where that is refused the search still works, only slower.
"""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)

INDEX = "order_link_upper_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # noqa: BLE001 - any refusal: go on without the index
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            logger.warning("pg_trgm is not available (%s); link search will not be indexed", exc)
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON orders_order "
            "USING gin (UPPER(link) gin_trgm_ops)"
        )
        cursor.execute("RELEASE SAVEPOINT trgm")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_list_indexes")]
    operations = [migrations.RunPython(create, drop)]
