"""Changes to the catalogue: administrative units, agencies, procedures, officers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify
from vietnam_provinces import Province, Ward

from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    Component,
    Field,
    Officer,
    Procedure,
    ServiceCentre,
)
from motcua.core import audit

DEMO_DIR = Path(__file__).parent / "demo"


@transaction.atomic
def load_administrative_units() -> int:
    """The current tree (34 provinces and their communes) from `vietnam-provinces`.
    Idempotent: units already present are kept."""
    existing = set(AdministrativeUnit.objects.values_list("code", flat=True))
    provinces = [
        AdministrativeUnit(
            code=f"{p.code.value:02d}",
            name=p.name,
            division_type=p.division_type.value,
            codename=p.codename,
        )
        for p in Province.iter_all()
        if f"{p.code.value:02d}" not in existing
    ]
    AdministrativeUnit.objects.bulk_create(provinces)
    by_code = dict(AdministrativeUnit.objects.filter(parent=None).values_list("code", "pk"))
    wards = [
        AdministrativeUnit(
            code=f"{w.code.value:05d}",
            name=w.name,
            division_type=w.division_type.value,
            codename=w.codename,
            parent_id=by_code[f"{w.province_code.value:02d}"],
        )
        for w in Ward.iter_all()
        if f"{w.code.value:05d}" not in existing
    ]
    AdministrativeUnit.objects.bulk_create(wards, batch_size=1000)
    added = len(provinces) + len(wards)
    if added:
        audit.record("units.load", "administrative_unit", "all", data={"added": added})
    return added


@dataclass(frozen=True)
class DemoAgency:
    key: str
    name: str
    group: str


# Provincial agencies after the 2025 reorganisation. Identifiers follow the QCVN 102:2016
# shape; the groups used here are illustrative for the demo province.
DEMO_DEPARTMENTS = [
    DemoAgency("so_xay_dung", "Sở Xây dựng", "01"),
    DemoAgency("so_tai_chinh", "Sở Tài chính", "02"),
    DemoAgency("so_tu_phap", "Sở Tư pháp", "03"),
    DemoAgency("so_y_te", "Sở Y tế", "04"),
    DemoAgency("so_giao_duc", "Sở Giáo dục và Đào tạo", "05"),
    DemoAgency("so_noi_vu", "Sở Nội vụ", "06"),
    DemoAgency("so_nong_nghiep_moi_truong", "Sở Nông nghiệp và Môi trường", "07"),
    DemoAgency("so_cong_thuong", "Sở Công Thương", "08"),
    DemoAgency("so_khcn", "Sở Khoa học và Công nghệ", "09"),
]
DEMO_COMMUNES = 6


def _agency(identifier: str, **fields: Any) -> Agency:
    agency, _ = Agency.objects.update_or_create(identifier=identifier, defaults=fields)
    return agency


@transaction.atomic
def load_demo_province(province_code: str, suffix: str) -> dict[str, Agency]:
    """Agencies of the demo province: the People's Committee, departments, and the first
    communes of the province. Returns them by key (`commune_1`, ...)."""
    province = AdministrativeUnit.objects.get(code=province_code, parent=None)
    agencies: dict[str, Agency] = {}
    agencies["ubnd_tinh"] = _agency(
        f"000.00.00.{suffix}",
        name=f"Ủy ban nhân dân {province.name}",
        short_key="ubnd_tinh",
        level=Agency.Level.PROVINCE,
        unit=province,
        province_code=province_code,
    )
    for dep in DEMO_DEPARTMENTS:
        agencies[dep.key] = _agency(
            f"000.00.{dep.group}.{suffix}",
            name=f"{dep.name} {province.name}",
            short_key=dep.key,
            level=Agency.Level.DEPARTMENT,
            parent=agencies["ubnd_tinh"],
            unit=province,
            province_code=province_code,
        )
    for i, ward in enumerate(province.children.order_by("code")[:DEMO_COMMUNES], start=1):
        agencies[f"commune_{i}"] = _agency(
            f"{i:03d}.10.00.{suffix}",
            name=f"Ủy ban nhân dân {ward.name}",
            short_key=f"commune_{i}",
            level=Agency.Level.COMMUNE,
            parent=agencies["ubnd_tinh"],
            unit=ward,
            province_code=province_code,
        )
    audit.record("agencies.load", "province", province_code, data={"agencies": len(agencies)})
    return agencies


@transaction.atomic
def load_demo_centres(agencies: dict[str, Agency]) -> list[ServiceCentre]:
    """The demo's receiving units (NĐ 118/2025): the provincial Trung tâm Phục vụ hành
    chính công for the province's agencies, and one branch for the communes. Idempotent."""
    province = agencies["ubnd_tinh"].unit
    place = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    centre, _ = ServiceCentre.objects.update_or_create(
        book_code="TTPVHCC",
        defaults={
            "name": "Trung tâm Phục vụ hành chính công "
            + province.name[:1].lower()
            + province.name[1:],
            "parent_line": f"UBND {province.name.upper()}",
            "unit": province,
            "address": f"Số 2 đường Lê Hồng Phong, {place}",
            "phone": "0229 3 871 010",
        },
    )
    centre.agencies.set(a for k, a in agencies.items() if not k.startswith("commune_"))
    first = agencies["commune_1"].unit
    branch, _ = ServiceCentre.objects.update_or_create(
        book_code="CN1",
        defaults={
            "name": f"Chi nhánh số 1 – Trung tâm Phục vụ hành chính công {place}",
            "parent_line": f"UBND {province.name.upper()}",
            "parent": centre,
            "unit": first,
            "address": f"{first.name}, {province.name}",
            "phone": "0229 3 871 011",
        },
    )
    branch.agencies.set(a for k, a in agencies.items() if k.startswith("commune_"))
    audit.record("centres.load", "province", province.code, data={"centres": 2})
    return [centre, branch]


@transaction.atomic
def load_procedures(rows: list[dict[str, Any]], agencies: dict[str, Agency]) -> int:
    """Create or update procedures from catalogue rows (see demo/procedures.json)."""
    count = 0
    for row in rows:
        field_name = row["field"]
        field, _ = Field.objects.get_or_create(
            code=slugify(field_name.replace("đ", "d").replace("Đ", "D"))[:64] or "khac",
            defaults={"name": field_name},
        )
        agency_key = row["implementing_agency"]
        procedure = Procedure.objects.filter(code=row["code"]).first() or Procedure(
            code=row["code"]
        )
        procedure.name = row["name"]
        procedure.field = field
        procedure.level = row["level"]
        procedure.online_level = row["online_level"]
        procedure.processing_days = Decimal(row["processing_days"])
        procedure.fee_vnd = row.get("fee_vnd", 0)
        procedure.charge_vnd = row.get("charge_vnd", 0)
        procedure.fee_note = row.get("fee_note", "")[:500]
        procedure.result_type = row["result_type"][:300]
        procedure.legal_basis = row.get("legal_basis", "")
        procedure.agency = None if agency_key == "commune" else agencies[agency_key]
        procedure.full_clean(exclude=["search_text"])
        procedure.save()
        procedure.components.all().delete()
        Component.objects.bulk_create(
            Component(
                procedure=procedure,
                name=c["name"][:500],
                copies=c.get("copies", 1),
                required=c.get("required", True),
                order=i,
            )
            for i, c in enumerate(row["components"])
        )
        count += 1
    audit.record("procedures.load", "procedure", "catalogue", data={"count": count})
    return count


def demo_procedure_rows() -> list[dict[str, Any]]:
    return json.loads((DEMO_DIR / "procedures.json").read_text(encoding="utf-8"))


@transaction.atomic
def create_officer(
    username: str,
    password: str,
    agency: Agency,
    role: str,
    full_name: str,
    title: str = "",
) -> Officer:
    first, _, last = full_name.rpartition(" ")
    user, _ = User.objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.set_password(password)
    user.save()
    officer, _ = Officer.objects.update_or_create(
        user=user, defaults={"agency": agency, "role": role, "title": title}
    )
    audit.record("officer.set", "user", username, data={"agency": agency.identifier, "role": role})
    return officer


@transaction.atomic
def create_citizen(username: str, password: str, full_name: str, email: str = "") -> User:
    first, _, last = full_name.rpartition(" ")
    user, _ = User.objects.get_or_create(username=username)
    user.first_name, user.last_name, user.email = first, last, email
    user.set_password(password)
    user.save()
    audit.record("citizen.set", "user", username)
    return user
