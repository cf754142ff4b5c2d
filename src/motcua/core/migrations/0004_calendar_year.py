"""CalendarYear (a year's calendar confirmed by an administrator) and the 2026 schedule
as decided (VPCP letter 12729/VPCP-KGVX), which the `holidays` package got wrong (it misses
Fri 02/01 off and Sat 10/01 worked)."""

import datetime as dt
import json
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data"
PACKAGE_SOURCE = "Thư viện holidays (chưa đối chiếu với quyết định của Chính phủ)"


def ship_decided_years(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    shipped = {}
    for path in sorted(DATA.glob("calendar-*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        shipped[raw["year"]] = raw["source"]
        # Only where the year was seeded already: a fresh install seeds on its own.
        if not CalendarDay.objects.filter(date__year=raw["year"]).exists():
            continue
        for d in raw["days"]:
            CalendarDay.objects.update_or_create(
                date=dt.date.fromisoformat(d["date"]),
                defaults={"kind": d["kind"], "name": d["name"]},
            )
    years = {d.year for d in CalendarDay.objects.dates("date", "year")}
    for year in sorted(years):
        CalendarYear.objects.get_or_create(
            year=year, defaults={"source": shipped.get(year, PACKAGE_SOURCE)}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_rate_counter"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="năm")),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text="Văn bản quyết định lịch nghỉ của năm, ví dụ Công văn "
                        "12729/VPCP-KGVX.",
                        max_length=300,
                        verbose_name="căn cứ",
                    ),
                ),
                (
                    "confirmed_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="thời điểm xác nhận"
                    ),
                ),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người xác nhận",
                    ),
                ),
            ],
            options={
                "verbose_name": "năm lịch làm việc",
                "verbose_name_plural": "xác nhận lịch làm việc theo năm",
                "ordering": ["year"],
            },
        ),
        migrations.RunPython(ship_decided_years, migrations.RunPython.noop),
    ]
