from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from motcua.catalog import services
from motcua.catalog.models import Officer

DEMO_PROVINCE = "37"  # Tỉnh Ninh Bình in the 2025 list
DEMO_SUFFIX = "H37"
DEMO_PASSWORD = "motcua-demo"  # noqa: S105 - demo accounts only, printed on screen
STAFF = [
    # (username, agency key, role, full name, title)
    ("motcua.xaydung", "so_xay_dung", Officer.Role.DESK, "Nguyễn Thị Mai", "Cán bộ một cửa"),
    ("cv.xaydung", "so_xay_dung", Officer.Role.SPECIALIST, "Trần Văn Hùng", "Chuyên viên"),
    ("ld.xaydung", "so_xay_dung", Officer.Role.LEADER, "Lê Quang Minh", "Phó Giám đốc Sở"),
    ("motcua.tuphap", "so_tu_phap", Officer.Role.DESK, "Phạm Thu Hà", "Cán bộ một cửa"),
    ("cv.tuphap", "so_tu_phap", Officer.Role.SPECIALIST, "Đỗ Đức Anh", "Chuyên viên"),
    ("ld.tuphap", "so_tu_phap", Officer.Role.LEADER, "Vũ Thanh Bình", "Giám đốc Sở"),
    # Officers of agencies that other procedures' processes ask for opinions.
    (
        "cv.nnmt",
        "so_nong_nghiep_moi_truong",
        Officer.Role.SPECIALIST,
        "Đinh Thị Hoa",
        "Chuyên viên",
    ),  # noqa: E501
    ("cv.congthuong", "so_cong_thuong", Officer.Role.SPECIALIST, "Lý Văn Sơn", "Chuyên viên"),
    ("cv.taichinh", "so_tai_chinh", Officer.Role.SPECIALIST, "Mai Thị Thu", "Chuyên viên"),
    ("motcua.xa1", "commune_1", Officer.Role.DESK, "Hoàng Thị Lan", "Công chức một cửa"),
    ("cv.xa1", "commune_1", Officer.Role.SPECIALIST, "Ngô Văn Tư", "Công chức tư pháp - hộ tịch"),
    ("ld.xa1", "commune_1", Officer.Role.LEADER, "Bùi Văn Nam", "Phó Chủ tịch UBND"),
]
CITIZENS = [
    ("congdan", "Nguyễn Văn An", "an@example.vn"),
    ("congdan2", "Trần Thị Bích", "bich@example.vn"),
]


class Command(BaseCommand):
    help = "Load the demo province: units, agencies, procedures, holidays, accounts."

    def handle(self, *args, **options):
        with transaction.atomic():
            units = services.load_administrative_units()
            agencies = services.load_demo_province(DEMO_PROVINCE, DEMO_SUFFIX)
            count = services.load_procedures(services.demo_procedure_rows(), agencies)
            services.load_procedure_details(services.demo_procedure_details())
            services.load_demo_centres(agencies)
            processes = services.load_processes(services.demo_process_data(), agencies)
            for username, key, role, name, title in STAFF:
                services.create_officer(username, DEMO_PASSWORD, agencies[key], role, name, title)
            for username, name, email in CITIZENS:
                services.create_citizen(username, DEMO_PASSWORD, name, email)
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", "", DEMO_PASSWORD)
        call_command("seed_calendar", stdout=self.stdout)
        # Demo CA: certificates for the leaders, a seal for each agency (motcua.signing);
        # before the demo dossiers, whose results are signed.
        call_command("signing", "demo-ca", stdout=self.stdout)
        call_command("demo_dossiers", stdout=self.stdout)
        self.stdout.write(
            f"demo province {DEMO_PROVINCE}: {units} units added, {len(agencies)} agencies, "
            f"{count} procedures ({processes} new processes); "
            f"accounts (password {DEMO_PASSWORD}): admin, "
            + ", ".join(u for u, *_ in STAFF + CITIZENS)
        )
        if settings.DEBUG:
            self.stdout.write("DEBUG is on")
