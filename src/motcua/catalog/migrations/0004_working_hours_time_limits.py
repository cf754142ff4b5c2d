"""Working hours per service centre, and how a procedure's time limit is counted."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_process_versions")]

    operations = [
        migrations.AddField(
            model_name="procedure",
            name="time_limit_kind",
            field=models.CharField(
                choices=[
                    ("working_days", "ngày làm việc"),
                    ("working_hours", "giờ làm việc"),
                    ("in_day", "trong ngày"),
                ],
                default="working_days",
                max_length=16,
                verbose_name="thời hạn tính theo",
            ),
        ),
        migrations.AddField(
            model_name="procedure",
            name="time_limit_hours",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Chỉ dùng khi thời hạn tính theo giờ làm việc.",
                null=True,
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="thời hạn (giờ làm việc)",
            ),
        ),
        migrations.CreateModel(
            name="WorkingHours",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Thứ Hai"),
                            (1, "Thứ Ba"),
                            (2, "Thứ Tư"),
                            (3, "Thứ Năm"),
                            (4, "Thứ Sáu"),
                            (5, "Thứ Bảy"),
                            (6, "Chủ nhật"),
                        ],
                        verbose_name="thứ",
                    ),
                ),
                ("morning_start", models.TimeField(blank=True, null=True, verbose_name="sáng từ")),
                ("morning_end", models.TimeField(blank=True, null=True, verbose_name="sáng đến")),
                (
                    "afternoon_start",
                    models.TimeField(blank=True, null=True, verbose_name="chiều từ"),
                ),
                (
                    "afternoon_end",
                    models.TimeField(blank=True, null=True, verbose_name="chiều đến"),
                ),
                (
                    "centre",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hours",
                        to="catalog.servicecentre",
                        verbose_name="trung tâm",
                    ),
                ),
            ],
            options={
                "verbose_name": "giờ làm việc",
                "verbose_name_plural": "giờ làm việc",
                "ordering": ["centre", "weekday"],
                "constraints": [
                    models.UniqueConstraint(fields=("centre", "weekday"), name="catalog_hours_day")
                ],
            },
        ),
    ]
