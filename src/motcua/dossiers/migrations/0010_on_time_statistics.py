"""QĐ 766 on-time statistics: the appointment measured against (Dossier.on_time_due_at),
and the month table by month of receipt with stopped / withdrawn / closed-late columns.
Existing rows are recomputed under the new meaning."""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models

CLOSED_EARLY = {"stopped": "stopped", "withdrawn": "withdrawn", "rejected": "stopped"}


def recompute(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    AgencyMonthStats = apps.get_model("dossiers", "AgencyMonthStats")
    Dossier.objects.filter(on_time_due_at__isnull=True, original_due_at__isnull=False).update(
        on_time_due_at=models.F("original_due_at")
    )
    tz = ZoneInfo(settings.TIME_ZONE)
    rows = defaultdict(lambda: defaultdict(int))
    for d in Dossier.objects.filter(received_at__isnull=False).iterator(chunk_size=5000):
        row = rows[(d.agency_id, d.received_at.astimezone(tz).date().replace(day=1))]
        row["received"] += 1
        end = d.paused_at or d.finished_at
        on_time = (
            d.on_time_due_at is not None
            and end is not None
            and end <= d.on_time_due_at
            and d.intake_supplement_count <= 1
            and d.appraisal_supplement_count <= 1
        )
        if d.status in ("done", "returned"):
            row["finished"] += 1
            row["on_time" if on_time else "late"] += 1
        elif d.status in CLOSED_EARLY:
            row[CLOSED_EARLY[d.status]] += 1
            row["closed_late"] += int(not on_time)
    AgencyMonthStats.objects.all().delete()
    AgencyMonthStats.objects.bulk_create(
        [AgencyMonthStats(agency_id=a, month=m, **counts) for (a, m), counts in rows.items()],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0009_process_steps")]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="on_time_due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="hạn tính đúng hạn"),
        ),
        migrations.AddField(
            model_name="agencymonthstats",
            name="stopped",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name="agencymonthstats",
            name="withdrawn",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name="agencymonthstats",
            name="closed_late",
            field=models.PositiveIntegerField(db_default=0),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
