import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_merge_portal_names"),
        ("dossiers", "0016_merge_srvindex"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("on_time_due_at", "original_due_at"),
                models.F("agency"),
                models.F("received_at"),
                condition=models.Q(
                    ("appraisal_supplement_count__lte", 1),
                    ("finished_at__isnull", True),
                    ("intake_supplement_count__lte", 1),
                    ("paused_at__isnull", True),
                    ("status__in", ["received", "processing", "approved", "supplement", "payment"]),
                ),
                name="dossiers_open_running_due",
            ),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["received_at", "id"], name="dossiers_received_at"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                fields=["agency", "received_at", "id"], name="dossiers_agency_received"
            ),
        ),
    ]
