"""Notices to the sender of a question, report or proposal: answered, and published (with
their consent). Templates in Vietnamese, edited afterwards in the admin; the SMS texts (sent
without diacritics) point to the page where the answer is read (an answer does not fit a text message)."""

from django.db import migrations, models

SIGNATURE = "\n\nĐây là thư tự động của hệ thống Một cửa điện tử; xin không trả lời thư này."

TEMPLATES = {
    "feedback_answer": (
        "{co_quan} đã trả lời {loai} của ông/bà",
        "Kính gửi {nguoi_gui},\n\n{co_quan} đã trả lời {loai} ông/bà gửi ngày {ngay_gui}:\n\n"
        "{tra_loi}\n\nXem lại câu hỏi và trả lời tại {xem_tai}.",
        "{co_quan} đã trả lời {loai} ngày {ngay_gui} của ông/bà. Xem tại {xem_tai}",
    ),
    "feedback_public": (
        "Đã công khai {loai} của ông/bà",
        "Kính gửi {nguoi_gui},\n\nTheo sự đồng ý của ông/bà, {loai} gửi ngày {ngay_gui} và "
        "trả lời của {co_quan} đã được đăng công khai, đã bỏ thông tin cá nhân, tại {xem_tai}.",
        "Đã công khai {loai} ngày {ngay_gui} của ông/bà (đã ẩn thông tin cá nhân): {xem_tai}",
    ),
}


def seed(apps, schema_editor):
    Template = apps.get_model("notify", "Template")
    for kind, (subject, body, short) in TEMPLATES.items():
        Template.objects.get_or_create(
            kind=kind, channel="email", defaults={"subject": subject, "body": body + SIGNATURE}
        )
        Template.objects.get_or_create(
            kind=kind, channel="zalo", defaults={"subject": "", "body": body}
        )
        Template.objects.get_or_create(
            kind=kind, channel="sms", defaults={"subject": "", "body": short}
        )


def unseed(apps, schema_editor):
    apps.get_model("notify", "Template").objects.filter(kind__in=list(TEMPLATES)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0003_notify_resend'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notice',
            name='kind',
            field=models.CharField(choices=[('received', 'Tiếp nhận hồ sơ, hẹn ngày trả kết quả'), ('supplement', 'Yêu cầu bổ sung hồ sơ'), ('refused', 'Từ chối tiếp nhận'), ('payment', 'Yêu cầu nộp phí, lệ phí'), ('result_ready', 'Đã có kết quả'), ('returned', 'Đã trả kết quả'), ('apology', 'Xin lỗi, hẹn lại ngày trả kết quả'), ('stopped', 'Dừng xử lý hồ sơ'), ('overdue_digest', 'Cán bộ: tổng hợp bước xử lý quá hạn (hằng ngày)'), ('feedback_answer', 'Đã trả lời phản ánh, kiến nghị'), ('feedback_public', 'Đã công khai câu hỏi và trả lời')], max_length=16, verbose_name='loại'),
        ),
        migrations.AlterField(
            model_name='template',
            name='kind',
            field=models.CharField(choices=[('received', 'Tiếp nhận hồ sơ, hẹn ngày trả kết quả'), ('supplement', 'Yêu cầu bổ sung hồ sơ'), ('refused', 'Từ chối tiếp nhận'), ('payment', 'Yêu cầu nộp phí, lệ phí'), ('result_ready', 'Đã có kết quả'), ('returned', 'Đã trả kết quả'), ('apology', 'Xin lỗi, hẹn lại ngày trả kết quả'), ('stopped', 'Dừng xử lý hồ sơ'), ('overdue_digest', 'Cán bộ: tổng hợp bước xử lý quá hạn (hằng ngày)'), ('feedback_answer', 'Đã trả lời phản ánh, kiến nghị'), ('feedback_public', 'Đã công khai câu hỏi và trả lời')], max_length=16, verbose_name='loại thông báo'),
        ),
        migrations.RunPython(seed, unseed),
    ]
