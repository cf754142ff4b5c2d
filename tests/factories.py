"""Plain builders for test data (services do the writing where a service exists)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.catalog import services as catalog_services
from motcua.catalog.models import AdministrativeUnit, Agency, Field, Officer, Procedure
from motcua.dossiers import services
from motcua.dossiers.models import Dossier

_seq = itertools.count(1)
PASSWORD = "test-pass-123"  # noqa: S105
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name: str = "to-khai.pdf", size: int | None = None) -> SimpleUploadedFile:
    body = PDF if size is None else PDF + b"0" * max(0, size - len(PDF))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def unit(code: str = "37", name: str = "Tỉnh Ninh Bình", parent=None) -> AdministrativeUnit:
    obj, _ = AdministrativeUnit.objects.get_or_create(
        code=code, defaults={"name": name, "division_type": "tỉnh", "parent": parent}
    )
    return obj


def agency(identifier: str | None = None, name: str = "", level=Agency.Level.DEPARTMENT) -> Agency:
    n = next(_seq)
    return Agency.objects.create(
        identifier=identifier or f"000.00.{n:02d}.H37",
        name=name or f"Sở thử nghiệm {n}",
        level=level,
        unit=unit(),
        province_code="37",
    )


def procedure(
    agency_obj: Agency | None,
    *,
    days: str = "3",
    code: str | None = None,
    name: str = "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    components: int = 2,
) -> Procedure:
    field, _ = Field.objects.get_or_create(code="xay-dung", defaults={"name": "Xây dựng"})
    proc = Procedure.objects.create(
        code=code or f"1.{next(_seq):06d}",
        name=name,
        field=field,
        level=Procedure.Level.COMMUNE if agency_obj is None else Procedure.Level.PROVINCE,
        online_level=Procedure.OnlineLevel.FULL,
        processing_days=Decimal(days),
        result_type="Giấy phép",
        agency=agency_obj,
    )
    for i in range(components):
        proc.components.create(name=f"Giấy tờ số {i + 1}", required=True, order=i)
    return proc


def officer(agency_obj: Agency, role: str, username: str | None = None) -> User:
    username = username or f"{role}-{next(_seq)}"
    return catalog_services.create_officer(
        username, PASSWORD, agency_obj, role, f"Cán bộ {username}"
    ).user


def citizen(username: str | None = None) -> User:
    return catalog_services.create_citizen(
        username or f"citizen-{next(_seq)}", PASSWORD, "Nguyễn Văn Dân"
    )


def applicant(id_number: str = "001090000001") -> services.ApplicantData:
    return services.ApplicantData(
        name="Nguyễn Văn Dân", id_number=id_number, phone="0912345678", email="dan@example.vn"
    )


def missing(*items: str, reason: str = "Chưa có trong hồ sơ đã nộp") -> list[services.MissingItem]:
    """Papers for a supplement request, each with a reason (form 02 lists both)."""
    return [services.MissingItem(item, reason) for item in items]


def uploads_for(proc: Procedure) -> list[services.Upload]:
    return [services.Upload(pdf(f"tp{c.pk}.pdf"), c.pk) for c in proc.components.all()]


@dataclass
class World:
    dept: Agency
    other_dept: Agency
    commune: Agency
    desk: User
    specialist: User
    leader: User
    other_desk: User
    other_leader: User
    commune_desk: User
    citizen: User
    other_citizen: User
    proc: Procedure
    commune_proc: Procedure

    @classmethod
    def build(cls) -> World:
        dept = agency("000.00.01.H37", "Sở Xây dựng")
        other = agency("000.00.03.H37", "Sở Tư pháp")
        commune = agency("001.10.00.H37", "UBND Phường Hoa Lư", level=Agency.Level.COMMUNE)
        return cls(
            dept=dept,
            other_dept=other,
            commune=commune,
            desk=officer(dept, Officer.Role.DESK, "desk"),
            specialist=officer(dept, Officer.Role.SPECIALIST, "specialist"),
            leader=officer(dept, Officer.Role.LEADER, "leader"),
            other_desk=officer(other, Officer.Role.DESK, "other-desk"),
            other_leader=officer(other, Officer.Role.LEADER, "other-leader"),
            commune_desk=officer(commune, Officer.Role.DESK, "commune-desk"),
            citizen=citizen("citizen-a"),
            other_citizen=citizen("citizen-b"),
            proc=procedure(dept, days="3", code="1.013225"),
            commune_proc=procedure(None, days="1", code="1.001193", name="Đăng ký khai sinh"),
        )

    def submit_online(self, user: User | None = None, **kwargs) -> Dossier:
        proc = kwargs.pop("procedure", self.proc)
        return services.submit(
            procedure=proc,
            applicant=kwargs.pop("applicant", applicant()),
            actor=user or self.citizen,
            uploads=kwargs.pop("uploads", None) or uploads_for(proc),
            **kwargs,
        ).dossier
