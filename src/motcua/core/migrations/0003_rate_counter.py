"""Rate-limit counters in the database (when no Redis is configured)."""

from django.db import migrations, models


def unlogged(apps, schema_editor):
    # Counters are disposable: on PostgreSQL skip the WAL, so a hit commits without
    # waiting for a disk flush (a crash empties the table, which only forgives a window).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_ratecounter SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=200, unique=True)),
                ("window_end_ms", models.BigIntegerField(db_index=True)),
                ("count", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name": "bộ đếm giới hạn truy cập",
                "verbose_name_plural": "bộ đếm giới hạn truy cập",
            },
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
    ]
