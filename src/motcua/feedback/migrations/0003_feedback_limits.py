"""The time limits to answer feedback, as data an administrator edits (admin: Thời hạn trả
lời phản ánh, kiến nghị). Shipped at 15 working days for every kind (docs/feedback.md)."""

from django.db import migrations

SOURCE = (
    "NĐ 20/2008/NĐ-CP (sửa đổi bởi NĐ 92/2017/NĐ-CP); QĐ 766/QĐ-TTg: "
    "phản ánh, kiến nghị được trả lời trong 15 ngày làm việc"
)


def seed(apps, schema_editor):
    limit = apps.get_model("feedback", "HandlingLimit")
    for kind in ("question", "report", "proposal"):
        limit.objects.get_or_create(
            kind=kind, defaults={"working_days": 15, "legal_source": SOURCE}
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_feedback_handling")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
