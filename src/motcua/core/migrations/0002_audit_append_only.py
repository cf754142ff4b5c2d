"""Audit entries are append-only: the database itself refuses UPDATE and DELETE."""

from django.db import migrations

GENESIS = "0" * 64


def forwards(apps, schema_editor):
    from motcua.core import dbguard

    dbguard.install(schema_editor.connection)
    apps.get_model("core", "AuditHead").objects.get_or_create(
        pk=1, defaults={"last_hash": GENESIS, "count": 0}
    )


def backwards(apps, schema_editor):
    from motcua.core import dbguard

    dbguard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
