"""The desk's search box: the applicant's name without diacritics, ID number and phone.

On PostgreSQL the folded name also gets a trigram index (pg_trgm), so "contains" searches
("van an") use an index instead of reading the agency's whole history; SQLite has no such
index and does not need one at its sizes.
"""

from django.db import migrations, models

from motcua.core.text import fold

TRGM_INDEX = "dossiers_applicant_name_trgm"


def fill_folded(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    batch = []
    rows = Dossier.objects.using(schema_editor.connection.alias).only("pk", "applicant_name")
    for row in rows.iterator(chunk_size=2000):
        row.applicant_name_folded = fold(row.applicant_name)[:200]
        batch.append(row)
        if len(batch) >= 2000:
            Dossier.objects.bulk_update(batch, ["applicant_name_folded"])
            batch = []
    if batch:
        Dossier.objects.bulk_update(batch, ["applicant_name_folded"])


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON dossiers_dossier "
        "USING gin (applicant_name_folded gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0011_dossier_national_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="applicant_name_folded",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_folded, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["applicant_id_number"], name="dossiers_applicant_id_number"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["applicant_phone"], name="dossiers_applicant_phone"),
        ),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
