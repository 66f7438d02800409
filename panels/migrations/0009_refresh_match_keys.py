# The matcher reads more names and stops pairing some different offers (reactions with likes,
# one country's members with worldwide ones, "Auto Refill" as automatic, packages of another
# size): stored match keys are recomputed now rather than at each panel's next catalog sync.

from django.db import migrations


def refresh_match_keys(apps, schema_editor):
    from panels.matching.keys import match_key

    Service = apps.get_model("panels", "Service")
    changed = []
    for service in Service.objects.only("pk", "name", "category", "type", "match_key").iterator():
        key = match_key(name=service.name, category=service.category, type=service.type)
        if key != service.match_key:
            service.match_key = key
            changed.append(service)
    Service.objects.bulk_update(changed, ["match_key"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('panels', '0008_balance_reading'),
    ]

    operations = [
        migrations.RunPython(refresh_match_keys, migrations.RunPython.noop),
    ]
