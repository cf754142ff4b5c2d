import django.db.models.deletion
from django.db import migrations, models


def split_supplements(apps, schema_editor):
    """Existing requests: made before receipt (from 'submitted') count as intake."""
    Dossier = apps.get_model("dossiers", "Dossier")
    Event = apps.get_model("dossiers", "Event")
    requests = Event.objects.filter(action="request_supplement")
    intake = requests.filter(from_status="submitted")
    for field, events in (
        ("intake_supplement_count", intake),
        ("appraisal_supplement_count", requests.exclude(from_status="submitted")),
    ):
        counts = events.values("dossier_id").annotate(n=models.Count("id"))
        for row in counts.iterator():
            Dossier.objects.filter(pk=row["dossier_id"]).update(**{field: row["n"]})


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("dossiers", "0005_dossier_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="return_channel",
            field=models.CharField(
                choices=[
                    ("desk", "Trả tại bộ phận một cửa"),
                    ("online", "Trả trực tuyến (bản điện tử)"),
                    ("post", "Trả qua dịch vụ bưu chính công ích"),
                ],
                default="desk",
                max_length=8,
                verbose_name="hình thức nhận kết quả đã đăng ký",
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="return_address",
            field=models.CharField(blank=True, max_length=300, verbose_name="địa chỉ nhận kết quả"),
        ),
        migrations.AddField(
            model_name="dossier",
            name="return_unit",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="catalog.administrativeunit",
                verbose_name="xã, phường nhận kết quả",
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="intake_supplement_count",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="dossier",
            name="appraisal_supplement_count",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(split_supplements, migrations.RunPython.noop),
    ]
