"""The catalog browser over 100,000 services: an index for each of its sorts (listed services
only), one for the panel's service id, one to count listed services by panel, type and flags
from the index alone, and on PostgreSQL trigram indexes for searching names and categories by
any part. `icontains` searches UPPER(column), so they are on that expression. Creating the
pg_trgm extension needs a privileged role; where that is refused the search still works, only
slower.
"""

import logging

from django.db import migrations, models

logger = logging.getLogger(__name__)

TRIGRAM_INDEXES = {
    "service_name_upper_trgm": "name",
    "service_category_upper_trgm": "category",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:  # noqa: BLE001 - any refusal: go on without the index
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            logger.warning("pg_trgm is not available (%s); catalog search is not indexed", exc)
            return
        for name, column in TRIGRAM_INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON panels_service "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )
        cursor.execute("RELEASE SAVEPOINT trgm")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('panels', '0010_match_verdict'),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['name', 'id'], name='service_by_name'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['rate', 'name', 'id'], name='service_by_rate'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['-rate', 'name', 'id'], name='service_by_rate_desc'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['min_quantity', 'rate', 'id'], name='service_by_min'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['-min_quantity', 'rate', 'id'], name='service_by_min_desc'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['max_quantity', 'rate', 'id'], name='service_by_max'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['-max_quantity', 'rate', 'id'], name='service_by_max_desc'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(fields=['remote_id'], name='service_remote_id'),
        ),
        migrations.AddIndex(
            model_name='service',
            index=models.Index(condition=models.Q(('is_active', True)), fields=['panel', 'type', 'refill', 'cancel', 'dripfeed'], name='service_listed_flags'),
        ),
    ]
