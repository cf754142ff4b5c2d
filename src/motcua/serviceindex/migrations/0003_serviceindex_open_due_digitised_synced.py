import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """The open dossiers by due day, the digitisation counters and the dossiers synced,
    from the dossiers and the delivered national-portal messages."""
    from motcua.serviceindex.rebuild import rebuild, rebuild_open

    dossier = apps.get_model("dossiers", "Dossier")
    rebuild(
        dossier,
        apps.get_model("dossiers", "Event"),
        apps.get_model("serviceindex", "IndexMonthStats"),
        apps.get_model("core", "OutboxMessage"),
    )
    rebuild_open(dossier, apps.get_model("serviceindex", "OpenDueCount"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_merge_portal_names"),
        ("serviceindex", "0002_serviceindex_seed"),
        ("dossiers", "0016_merge_srvindex"),
        ("core", "0006_portal_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="indexmonthstats",
            name="digitised",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name="indexmonthstats",
            name="digitised_results",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name="indexmonthstats",
            name="synced",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.CreateModel(
            name="OpenDueCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("due_day", models.DateField()),
                ("count", models.IntegerField(db_default=0)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalog.agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "hồ sơ đang xử lý theo ngày hẹn",
                "verbose_name_plural": "hồ sơ đang xử lý theo ngày hẹn",
                "indexes": [
                    models.Index(
                        fields=["month", "due_day", "agency", "count"],
                        name="serviceindex_opendue_m",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("agency", "month", "due_day"), name="serviceindex_opendue_key"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
