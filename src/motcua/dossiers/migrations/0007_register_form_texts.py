import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_service_centre_copy_kind"),
        ("dossiers", "0006_return_channel_supplement_stages"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegisterEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("book", models.CharField(max_length=40, verbose_name="quyển số")),
                ("number", models.PositiveIntegerField(verbose_name="số thứ tự")),
                ("received_at", models.DateTimeField(verbose_name="thời điểm tiếp nhận")),
                (
                    "dossier",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="register_entry",
                        to="dossiers.dossier",
                    ),
                ),
                (
                    "centre",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.servicecentre",
                    ),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "dòng sổ theo dõi hồ sơ",
                "verbose_name_plural": "sổ theo dõi hồ sơ",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("book", "number"), name="dossiers_register_book_no"
                    )
                ],
                "indexes": [
                    models.Index(
                        fields=["centre", "received_at"], name="dossiers_register_centre_at"
                    ),
                    models.Index(
                        fields=["agency", "received_at"], name="dossiers_register_agency_at"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="FormText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("form", models.PositiveSmallIntegerField(verbose_name="mẫu số")),
                ("key", models.SlugField(max_length=40, verbose_name="khối")),
                ("label", models.CharField(blank=True, max_length=200, verbose_name="nội dung")),
                ("text", models.TextField(verbose_name="văn bản")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="cập nhật")),
            ],
            options={
                "verbose_name": "lời văn biểu mẫu",
                "verbose_name_plural": "lời văn biểu mẫu (TT 03/2025)",
                "ordering": ["form", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("form", "key"), name="dossiers_formtext_form_key"
                    )
                ],
            },
        ),
    ]
