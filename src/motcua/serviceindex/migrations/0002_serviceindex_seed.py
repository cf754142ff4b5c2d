"""The indicators of QĐ 766/QĐ-TTg as shipped (an administrator edits them afterwards),
and the counters of the dossiers already in the database."""

from decimal import Decimal

from django.db import migrations

QD766 = "QĐ 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ"
# group, code, name, max points, full at %, formula, legal source
INDICATORS = [
    (
        "publicity",
        "CK1",
        "Thủ tục hành chính được công khai đầy đủ (căn cứ pháp lý, thành phần hồ sơ)",
        "8",
        "100",
        "published_procedures",
        f"{QD766}, nhóm chỉ số Công khai, minh bạch",
    ),
    (
        "publicity",
        "CK2",
        "Hồ sơ được đồng bộ trạng thái lên Cổng Dịch vụ công quốc gia",
        "10",
        "100",
        "synced",
        f"{QD766}, nhóm chỉ số Công khai, minh bạch",
    ),
    (
        "progress",
        "TD1",
        "Hồ sơ giải quyết đúng hạn (tính cả hồ sơ đang xử lý, quá hạn, dừng, rút sau tiếp nhận)",
        "20",
        "100",
        "on_time",
        f"{QD766}, nhóm chỉ số Tiến độ giải quyết; NĐ 118/2025/NĐ-CP",
    ),
    (
        "digitisation",
        "SH1",
        "Hồ sơ có thành phần hồ sơ được số hóa",
        "8",
        "80",
        "digitised_components",
        f"{QD766}, nhóm chỉ số Số hóa hồ sơ; NĐ 45/2020/NĐ-CP",
    ),
    (
        "digitisation",
        "SH2",
        "Kết quả giải quyết được số hóa",
        "7",
        "80",
        "digitised_results",
        f"{QD766}, nhóm chỉ số Số hóa hồ sơ; NĐ 45/2020/NĐ-CP",
    ),
    (
        "digitisation",
        "SH3",
        "Hồ sơ sử dụng lại thông tin, dữ liệu đã số hóa",
        "7",
        "80",
        "reuse",
        f"{QD766}, nhóm chỉ số Số hóa hồ sơ; NĐ 45/2020/NĐ-CP",
    ),
    (
        "online",
        "TT1",
        "Hồ sơ nộp trực tuyến",
        "8",
        "50",
        "online",
        f"{QD766}, nhóm chỉ số Dịch vụ công trực tuyến; NĐ 42/2022/NĐ-CP",
    ),
    (
        "online",
        "TT2",
        "Hồ sơ trả kết quả điện tử",
        "4",
        "100",
        "electronic_result",
        f"{QD766}, nhóm chỉ số Dịch vụ công trực tuyến; NĐ 45/2020/NĐ-CP",
    ),
    (
        "payment",
        "TTTT1",
        "Hồ sơ có nghĩa vụ tài chính được thanh toán trực tuyến",
        "10",
        "100",
        "online_payment",
        f"{QD766}, nhóm chỉ số Dịch vụ công trực tuyến (Cổng DVC quốc gia hiển thị thành nhóm "
        "Thanh toán trực tuyến)",
    ),
    (
        "satisfaction",
        "HL1",
        "Mức độ hài lòng: 100 % trừ tỷ lệ hồ sơ trễ hạn và tỷ lệ hồ sơ bị phản ánh, "
        "đánh giá không hài lòng",
        "12",
        "90",
        "satisfaction",
        f"{QD766}, nhóm chỉ số Mức độ hài lòng",
    ),
    (
        "satisfaction",
        "HL2",
        "Phản ánh, kiến nghị được trả lời đúng hạn (15 ngày làm việc)",
        "6",
        "100",
        "feedback_on_time",
        f"{QD766}, nhóm chỉ số Mức độ hài lòng",
    ),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("serviceindex", "Indicator")
    for order, (group, code, name, max_points, full_at, formula, source) in enumerate(INDICATORS):
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "group": group,
                "name": name,
                "max_points": Decimal(max_points),
                "full_at": Decimal(full_at),
                "formula": formula,
                "legal_source": source,
                "order": order,
            },
        )
    from motcua.serviceindex.rebuild import rebuild

    rebuild(
        apps.get_model("dossiers", "Dossier"),
        apps.get_model("dossiers", "Event"),
        apps.get_model("serviceindex", "IndexMonthStats"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("serviceindex", "0001_initial"),
        ("dossiers", "0011_dossier_national_id"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
