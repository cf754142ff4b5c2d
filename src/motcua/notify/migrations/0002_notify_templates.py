"""The first notice templates, in Vietnamese; administrators edit them in the admin.
SMS texts are written with diacritics like the others and kept short: they are sent
without diacritics, within one segment of 160 characters where the values allow."""

from django.db import migrations

SIGNATURE = "\n\nĐây là thư tự động của hệ thống Một cửa điện tử; xin không trả lời thư này."

TEMPLATES = {
    "received": (
        "Hồ sơ {ma_ho_so} đã được tiếp nhận",
        "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} ({thu_tuc}) đã được {co_quan} tiếp nhận. "
        "Ngày hẹn trả kết quả: {ngay_hen}.\n\nTra cứu tình trạng hồ sơ tại {tra_cuu}.",
        "Hồ sơ {ma_ho_so} đã được tiếp nhận. Hẹn trả kết quả: {ngay_hen}. Tra cứu: {tra_cuu}",
    ),
    "supplement": (
        "Hồ sơ {ma_ho_so} cần bổ sung giấy tờ",
        "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} ({thu_tuc}) cần bổ sung, hoàn thiện: "
        "{giay_to}.\nLý do: {ly_do}\n\nXin bổ sung theo hướng dẫn; tra cứu tại {tra_cuu}.",
        "Hồ sơ {ma_ho_so} cần bổ sung: {giay_to}. Chi tiết: {tra_cuu}",
    ),
    "refused": (
        "Hồ sơ {ma_ho_so} không được tiếp nhận",
        "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} ({thu_tuc}) không được tiếp nhận.\n"
        "Lý do: {ly_do}",
        "Hồ sơ {ma_ho_so} không được tiếp nhận. Lý do: {ly_do}",
    ),
    "payment": (
        "Hồ sơ {ma_ho_so}: đề nghị nộp phí, lệ phí",
        "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} ({thu_tuc}) cần nộp phí, lệ phí: {so_tien}.\n"
        "{ly_do}\n\nThời gian chờ nộp phí không tính vào thời hạn giải quyết. "
        "Tra cứu tại {tra_cuu}.",
        "Hồ sơ {ma_ho_so}: đề nghị nộp phí, lệ phí {so_tien}. Chi tiết: {tra_cuu}",
    ),
    "result_ready": (
        "Hồ sơ {ma_ho_so} đã có kết quả",
        "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} ({thu_tuc}) đã có kết quả, số {ma_ket_qua}. "
        "Xin nhận kết quả theo hình thức đã chọn; tra cứu tại {tra_cuu}.",
        "Hồ sơ {ma_ho_so} đã có kết quả. Mời ông/bà nhận kết quả theo hình thức đã chọn.",
    ),
    "returned": (
        "Hồ sơ {ma_ho_so} đã trả kết quả",
        "Kính gửi {nguoi_nop},\n\nKết quả của hồ sơ {ma_ho_so} ({thu_tuc}) đã được trả. "
        "Cảm ơn ông/bà đã sử dụng dịch vụ; mời đánh giá mức độ hài lòng tại {tra_cuu}.",
        "Hồ sơ {ma_ho_so} đã trả kết quả. Cảm ơn ông/bà đã sử dụng dịch vụ.",
    ),
    "apology": (
        "Xin lỗi về việc chậm trả kết quả hồ sơ {ma_ho_so}",
        "Kính gửi {nguoi_nop},\n\n{co_quan} xin lỗi ông/bà vì hồ sơ {ma_ho_so} ({thu_tuc}) "
        "chưa giải quyết được đúng hẹn.\nLý do: {ly_do}\nNgày hẹn mới: {ngay_hen_moi}.",
        "Xin lỗi ông/bà: hồ sơ {ma_ho_so} chậm trả kết quả. Hẹn lại {ngay_hen_moi}.",
    ),
    "stopped": (
        "Hồ sơ {ma_ho_so} đã dừng xử lý",
        "Kính gửi {nguoi_nop},\n\nHồ sơ {ma_ho_so} ({thu_tuc}) đã dừng xử lý.\nLý do: {ly_do}",
        "Hồ sơ {ma_ho_so} đã dừng xử lý. Lý do: {ly_do}",
    ),
}

DIGEST = (
    "Tổng hợp ngày {ngay}: {so_buoc} bước xử lý quá hạn",
    "Kính gửi {can_bo},\n\nĐến ngày {ngay}, đồng chí có {so_buoc} bước xử lý hồ sơ đã quá "
    "hạn:\n{danh_sach}\n\nĐề nghị xử lý ngay hoặc xin lỗi, hẹn lại với người nộp theo quy định.",
)


def seed(apps, schema_editor):
    Template = apps.get_model("notify", "Template")
    for kind, (subject, body, short) in TEMPLATES.items():
        Template.objects.get_or_create(
            kind=kind, channel="email", defaults={"subject": subject, "body": body + SIGNATURE}
        )
        # Zalo shows the text in a chat: the e-mail text without the e-mail signature.
        Template.objects.get_or_create(
            kind=kind, channel="zalo", defaults={"subject": "", "body": body}
        )
        Template.objects.get_or_create(
            kind=kind, channel="sms", defaults={"subject": "", "body": short}
        )
    Template.objects.get_or_create(
        kind="overdue_digest",
        channel="email",
        defaults={"subject": DIGEST[0], "body": DIGEST[1] + SIGNATURE},
    )


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_notify_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
