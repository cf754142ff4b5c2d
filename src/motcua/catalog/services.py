"""Changes to the catalogue: administrative units, agencies, procedures, officers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from vietnam_provinces import Province, Ward

from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    Component,
    Field,
    FormTemplate,
    NationalProcedureVersion,
    Officer,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    ProcessVersion,
    ServiceCentre,
    TimeLimitKind,
)
from motcua.core import audit
from motcua.core.collation import sort_key
from motcua.core.prepared import Prepared, first_row
from motcua.core.problems import InvalidInput
from motcua.core.text import clean_text

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
            sort_key=sort_key(p.name),  # bulk_create skips save()
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
            sort_key=sort_key(w.name),
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
        record_local_change(procedure)
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


# --- internal processes (quy trình nội bộ) ----------------------------------------------

PROCESS_FILE = "processes.json"
# Kinds that one person does on the dossier's own result; never split across parallel legs.
SEQUENTIAL_KINDS = {
    ProcessStep.Kind.DRAFT,
    ProcessStep.Kind.REVIEW,
    ProcessStep.Kind.SIGN,
    ProcessStep.Kind.ISSUE,
}


def stages(steps: Iterable[ProcessStep]) -> list[list[ProcessStep]]:
    """Steps in order, consecutive steps of one parallel group together: each stage
    starts when the one before it is finished."""
    result: list[list[ProcessStep]] = []
    for step in sorted(steps, key=lambda s: s.order):
        previous = result[-1][-1] if result else None
        if previous and step.parallel_group and previous.parallel_group == step.parallel_group:
            result[-1].append(step)
        else:
            result.append([step])
    return result


def process_problems(version: ProcessVersion, steps: list[ProcessStep] | None = None) -> list[str]:
    """What keeps a process from being published, in Vietnamese (empty: it can be).
    The result is drafted before it is signed, signed before it is issued, and the
    longest path through the steps fits in the procedure's time limit."""
    steps = steps if steps is not None else list(version.steps.all())
    problems: list[str] = []
    if not steps:
        return ["Quy trình chưa có bước nào."]
    kinds = [s.kind for s in sorted(steps, key=lambda s: s.order)]
    if kinds.count(ProcessStep.Kind.SIGN) != 1:
        problems.append("Quy trình cần đúng một bước ký duyệt kết quả.")
    elif ProcessStep.Kind.DRAFT not in kinds[: kinds.index(ProcessStep.Kind.SIGN)]:
        problems.append("Cần bước dự thảo kết quả trước bước ký duyệt.")
    if kinds[-1] != ProcessStep.Kind.ISSUE or kinds.count(ProcessStep.Kind.ISSUE) != 1:
        problems.append("Bước cuối cùng (và chỉ bước đó) là ban hành kết quả.")
    for stage in stages(steps):
        if len(stage) > 1 and any(s.kind in SEQUENTIAL_KINDS for s in stage):
            problems.append(
                f"Bước “{stage[0].name}”…: chỉ bước xử lý, lấy ý kiến được chạy song song."
            )
    for step in steps:
        if step.kind == ProcessStep.Kind.SIGN and step.role != Officer.Role.LEADER:
            problems.append(f"Bước “{step.name}”: chỉ lãnh đạo ký duyệt kết quả.")
        if step.kind == ProcessStep.Kind.REVIEW and step.role == Officer.Role.DESK:
            problems.append(f"Bước “{step.name}”: cán bộ một cửa không xem xét, trả lại hồ sơ.")
    hours = sum(max(s.budget_hours for s in stage) for stage in stages(steps))
    limit = version.procedure.processing_days * 8
    if hours > limit:
        problems.append(
            f"Tổng thời hạn các bước ({hours.normalize():f} giờ làm việc) vượt thời hạn "
            f"giải quyết của thủ tục ({limit.normalize():f} giờ)."
        )
    return problems


@transaction.atomic
def new_process_draft(procedure: Procedure, actor: User | None = None) -> ProcessVersion:
    """A draft to edit: a copy of the current version's steps (or empty)."""
    last = procedure.process_versions.order_by("-number").first()
    draft = ProcessVersion.objects.create(
        procedure=procedure, number=(last.number + 1) if last else 1
    )
    source = procedure.process_versions.filter(state=ProcessVersion.State.PUBLISHED).first()
    if source is not None:
        ProcessStep.objects.bulk_create(
            ProcessStep(
                version=draft,
                order=s.order,
                name=s.name,
                kind=s.kind,
                role=s.role,
                agency_id=s.agency_id,
                budget_hours=s.budget_hours,
                parallel_group=s.parallel_group,
            )
            for s in source.steps.all()
        )
    audit.record(
        "process.draft", "procedure", procedure.code, actor=actor, data={"version": draft.number}
    )
    return draft


@transaction.atomic
def publish_process(version: ProcessVersion, actor: User | None = None) -> ProcessVersion:
    """Make a draft the procedure's current process; the previous one is retired (its
    dossiers keep it)."""
    version = (
        ProcessVersion.objects.select_for_update().select_related("procedure").get(pk=version.pk)
    )
    if version.state != ProcessVersion.State.DRAFT:
        raise InvalidInput("Chỉ công bố được quy trình đang ở dạng dự thảo.", code="not_a_draft")
    problems = process_problems(version)
    if problems:
        raise InvalidInput(" ".join(problems), code="invalid_process")
    ProcessVersion.objects.filter(
        procedure_id=version.procedure_id, state=ProcessVersion.State.PUBLISHED
    ).update(state=ProcessVersion.State.RETIRED)
    version.state = ProcessVersion.State.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["state", "published_at"])
    audit.record(
        "process.publish",
        "procedure",
        version.procedure.code,
        actor=actor,
        data={"version": version.number, "steps": version.steps.count()},
    )
    return version


def _process_steps(spec: dict[str, Any], procedure: Procedure, agencies: dict[str, Agency]):
    """Steps of a demo process: explicit hours, or a template's shares of the time limit
    (rounded down to a quarter hour, so the sum never exceeds it)."""
    total = procedure.processing_days * 8
    for order, row in enumerate(spec, start=1):
        if "hours" in row:
            hours = Decimal(str(row["hours"]))
        else:
            hours = (total * Decimal(str(row["share"])) * 4).to_integral_value(
                rounding="ROUND_FLOOR"
            ) / 4
        yield ProcessStep(
            order=order,
            name=row["name"],
            kind=row["kind"],
            role=row["role"],
            agency=agencies[row["agency"]] if row.get("agency") else None,
            budget_hours=max(hours, Decimal("0.25")),
            parallel_group=row.get("group", ""),
        )


@transaction.atomic
def load_processes(data: dict[str, Any], agencies: dict[str, Agency]) -> int:
    """Give every active procedure without a published process one: its own steps from
    `data["procedures"]`, or the template for its time limit. Idempotent: a procedure
    that already has a current process keeps it (an administrator may have edited it)."""
    count = 0
    for procedure in Procedure.objects.filter(is_active=True).exclude(
        process_versions__state=ProcessVersion.State.PUBLISHED
    ):
        spec = data["procedures"].get(procedure.code)
        if spec is None:
            short = procedure.processing_days <= 1
            spec = data["templates"]["short" if short else "standard"]
        draft = new_process_draft(procedure)
        draft.decision = data.get("decision", "")
        draft.save(update_fields=["decision"])
        steps = list(_process_steps(spec, procedure, agencies))
        for step in steps:
            step.version = draft
        ProcessStep.objects.bulk_create(steps)
        publish_process(draft)
        count += 1
    return count


def demo_process_data() -> dict[str, Any]:
    return json.loads((DEMO_DIR / PROCESS_FILE).read_text(encoding="utf-8"))


# --- what the procedure page shows beyond the catalogue row ---------------------------

DETAILS_FILE = "procedure_details.json"
_FORM_CSS = (
    "@page{size:A4;margin:2cm}body{font-family:'Liberation Serif',serif;font-size:13pt}"
    ".c{text-align:center}.t{font-size:15pt}.n{font-size:11pt}"
    "p.l{border-bottom:1px dotted #000;padding-top:14pt}.s{text-align:right;padding-top:24pt}"
)


def demo_form_pdf(title: str, lines: list[str]) -> bytes:
    """A blank form of the demo: the heading, numbered lines to fill in, the signature."""
    from weasyprint import HTML  # heavy: loaded only when a demo form is made

    items = "".join(f"<p class='l'>{i}. {escape(line)}:</p>" for i, line in enumerate(lines, 1))
    html = (
        f"<html lang='vi'><head><meta charset='utf-8'><style>{_FORM_CSS}</style></head><body>"
        "<p class='c'>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập – Tự do – Hạnh phúc</p>"
        f"<p class='c t'>{escape(title)}</p>"
        "<p class='c n'>(Mẫu minh họa của bản trình diễn; khi triển khai, thay bằng mẫu ban hành"
        " kèm văn bản quy phạm pháp luật)</p>"
        "<p>Kính gửi: ....................................................</p>"
        f"{items}<p class='s'>........, ngày ..... tháng ..... năm ......<br>Người yêu cầu<br>"
        "(Ký, ghi rõ họ, chữ đệm, tên)</p></body></html>"
    )
    return HTML(string=html).write_pdf()


@transaction.atomic
def load_procedure_details(data: dict[str, Any]) -> int:
    """Steps, applicants, conditions and downloadable forms of the procedures in `data`
    (keyed by code; "_default" fills what a procedure leaves empty). Forms already stored
    are kept, so loading again renders nothing."""
    default = data.get("_default", {})
    count = 0
    for procedure in Procedure.objects.all():
        row = {**default, **data.get(procedure.code, {})}
        procedure.steps = row.get("steps", "")
        procedure.applicants = row.get("applicants", "")
        procedure.conditions = row.get("conditions", "")
        procedure.save(update_fields=["steps", "applicants", "conditions"])
        for order, spec in enumerate(row.get("templates", [])):
            template = FormTemplate.objects.filter(procedure=procedure, name=spec["name"]).first()
            if (
                template is not None
                and template.file
                and template.file.storage.exists(template.file.name)
            ):
                continue
            template = template or FormTemplate(procedure=procedure, name=spec["name"])
            template.order = order
            template.file.save(
                spec["file"],
                ContentFile(demo_form_pdf(spec["title"], spec["lines"])),
                save=False,
            )
            template.save()
        count += 1
    audit.record("procedures.details", "procedure", "catalogue", data={"count": count})
    return count


def demo_procedure_details() -> dict[str, Any]:
    return json.loads((DEMO_DIR / DETAILS_FILE).read_text(encoding="utf-8"))


# --- versions and the national catalogue -------------------------------------------------

# The fields a national catalogue version can change, with their labels in the diff. The
# catalogue sync (motcua.dvcqg.catalogue) hands a version's `data` in these terms; a key it
# leaves out (the portal did not send it) is neither compared nor applied.
SYNC_FIELDS: dict[str, str] = {
    "name": "Tên thủ tục",
    "processing_days": "Thời hạn giải quyết (ngày làm việc)",
    "time_limit_kind": "Thời hạn tính theo",
    "fee_vnd": "Phí (đồng)",
    "charge_vnd": "Lệ phí (đồng)",
    "fee_note": "Ghi chú phí, lệ phí",
    "legal_basis": "Căn cứ pháp lý",
    "result_type": "Kết quả thực hiện",
    "components": "Thành phần hồ sơ",
}
NationalState = NationalProcedureVersion.State


def _days(value: Any) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def procedure_snapshot(procedure: Procedure) -> dict[str, Any]:
    """The procedure's comparable fields as a version keeps them."""
    return {
        "name": procedure.name,
        "processing_days": _days(procedure.processing_days),
        "time_limit_kind": procedure.time_limit_kind,
        "fee_vnd": procedure.fee_vnd,
        "charge_vnd": procedure.charge_vnd,
        "fee_note": procedure.fee_note,
        "legal_basis": procedure.legal_basis,
        "result_type": procedure.result_type,
        # The id ties a version's component to the rows attachments point at, through a
        # later rename (comparisons normalise it away).
        "components": [
            {"id": c.pk, "name": c.name, "copies": c.copies, "required": c.required}
            for c in procedure.components.all()
        ],
    }


def _normalised(field: str, value: Any) -> Any:
    if field == "processing_days":
        return _days(value)
    if field == "components":
        return [
            {
                "name": str(c["name"]).strip(),
                "copies": int(c["copies"]),
                "required": bool(c["required"]),
            }
            for c in value
        ]
    if isinstance(value, str):
        return value.strip()
    return value


_REQUIRED = {True: "bắt buộc", False: "không bắt buộc"}


def display_value(field: str, value: Any) -> str:
    """A diff value as an administrator reads it."""
    if value is None:
        return "—"
    if field == "components":
        return (
            "\n".join(
                f"{c['name']} ({c['copies']} bản, {_REQUIRED[bool(c['required'])]})" for c in value
            )
            or "—"
        )
    if field == "time_limit_kind":
        return str(TimeLimitKind(value).label) if value in TimeLimitKind.values else str(value)
    if field == "processing_days":
        return str(value).replace(".", ",")
    if field in ("fee_vnd", "charge_vnd"):
        return f"{int(value):,}".replace(",", ".")
    return str(value) or "—"


def diff_procedure(procedure: Procedure, data: dict[str, Any]) -> list[dict[str, Any]]:
    """What applying `data` would change in the procedure, field by field."""
    local = procedure_snapshot(procedure)
    changes = []
    for field, label in SYNC_FIELDS.items():
        if field not in data:
            continue
        mine, theirs = _normalised(field, local[field]), _normalised(field, data[field])
        if mine != theirs:
            changes.append({"field": field, "label": label, "local": mine, "national": theirs})
    return changes


def _local_procedure(national_code: str) -> Procedure | None:
    """By national code; a procedure without one by its own code (as the intake maps)."""
    return (
        Procedure.objects.filter(national_code=national_code).first()
        or Procedure.objects.filter(national_code="", code=national_code).first()
    )


_CURRENT_VERSION = Prepared(
    "catalog.current_version_id",
    lambda procedure: first_row(
        Procedure.objects.filter(pk=procedure).values_list("current_version_id", flat=True)
    ),
    procedure=int,
)


def current_version_id(procedure: Procedure) -> int:
    """The id of the version dossiers are filed under now (one indexed read: the dossier
    creation path calls this). A procedure that never had one gets version 1, a snapshot
    of how it stands (the baseline a national change is compared with later). Safe when
    two first dossiers race: the unique number decides."""
    version_id = next(iter(_CURRENT_VERSION.all(procedure=procedure.pk)), None)
    if version_id is not None:
        return version_id
    with transaction.atomic():
        version, created = ProcedureVersion.objects.get_or_create(
            procedure=procedure,
            number=1,
            defaults={
                "source": ProcedureVersion.Source.LOCAL,
                "snapshot": procedure_snapshot(procedure),
            },
        )
        Procedure.objects.filter(pk=procedure.pk, current_version__isnull=True).update(
            current_version=version
        )
        if created:
            audit.record(
                "procedure.version",
                "procedure",
                procedure.code,
                data={"version": 1, "source": ProcedureVersion.Source.LOCAL},
            )
    return Procedure.objects.filter(pk=procedure.pk).values_list("current_version_id", flat=True)[0]


def current_version(procedure: Procedure) -> ProcedureVersion:
    return ProcedureVersion.objects.get(pk=current_version_id(procedure))


def _next_version_number(procedure: Procedure) -> int:
    return (
        procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1


def record_local_change(procedure: Procedure, actor: User | None = None) -> ProcedureVersion | None:
    """After the province edits a procedure (admin, catalogue load): when what dossiers are
    bound to (name, time limit, fees, legal basis, result, components) differs from the
    current version's snapshot, a new local version takes over from today, so dossiers
    filed before keep their terms (form 01 prints them). A procedure no dossier was filed
    under yet has no version: its first dossier makes version 1 as it then stands."""
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        if procedure.current_version_id is None:
            return None
        before = ProcedureVersion.objects.get(pk=procedure.current_version_id)
        now = procedure_snapshot(procedure)
        changed = [
            f
            for f in now
            if f not in before.snapshot
            or _normalised(f, before.snapshot[f]) != _normalised(f, now[f])
        ]
        if not changed:
            return None
        version = ProcedureVersion.objects.create(
            procedure=procedure,
            number=_next_version_number(procedure),
            source=ProcedureVersion.Source.LOCAL,
            effective_from=timezone.localdate(),
            snapshot=now,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        Procedure.objects.filter(pk=procedure.pk).update(current_version=version)
        audit.record(
            "procedure.version",
            "procedure",
            procedure.code,
            actor=actor,
            data={"version": version.number, "previous_version": before.number, "changes": changed},
        )
    return version


@transaction.atomic
def record_national_version(
    *,
    national_code: str,
    version: int,
    name: str,
    effective_from: dt.date,
    effective_until: dt.date | None,
    data: dict[str, Any],
    raw: dict[str, Any],
    today: dt.date | None = None,
) -> tuple[NationalProcedureVersion, bool]:
    """Store a version of the national catalogue once (national code + version) and decide
    what it is for the province: a pending change (with its diff) when it is the latest
    version, not yet expired, of a procedure the province has and it differs; otherwise
    same / historical / unmapped. Seen again, it creates nothing; only its end date and, for
    a version not yet mapped or pending, its mapping and diff are brought up to date.
    Returns (row, created)."""
    today = today or timezone.localdate()
    row = (
        NationalProcedureVersion.objects.select_for_update()
        .filter(national_code=national_code, version=version)
        .first()
    )
    created = row is None
    if created:
        row = NationalProcedureVersion(
            national_code=national_code,
            version=version,
            name=name[:1000],
            effective_from=effective_from,
            data=data,
            raw=raw,
        )
    before = None if created else _judged(row)
    row.effective_until = effective_until
    if created or row.state in (NationalState.UNMAPPED, NationalState.PENDING, NationalState.SAME):
        _evaluate(row, today)
    if before != _judged(row):  # a daily re-pull of an unchanged catalogue writes nothing
        row.save()
    if created:
        audit.record(
            "catalogue.national_version",
            "procedure",
            national_code,
            data={
                "version": version,
                "state": row.state,
                "changes": [c["field"] for c in row.diff],
            },
        )
        if row.state == NationalState.PENDING:
            # Only the newest version waits for a decision.
            NationalProcedureVersion.objects.filter(
                national_code=national_code, state=NationalState.PENDING, version__lt=version
            ).update(state=NationalState.SUPERSEDED)
    return row, created


def _judged(row: NationalProcedureVersion) -> tuple:
    return (row.effective_until, row.state, row.procedure_id, row.diff)


def _evaluate(row: NationalProcedureVersion, today: dt.date) -> None:
    procedure = _local_procedure(row.national_code)
    row.procedure = procedure
    newer = NationalProcedureVersion.objects.filter(
        national_code=row.national_code, version__gt=row.version
    ).exclude(pk=row.pk)
    if procedure is None:
        row.state, row.diff = NationalState.UNMAPPED, []
    elif (row.effective_until and row.effective_until <= today) or newer.exists():
        row.state, row.diff = NationalState.HISTORICAL, []
    else:
        row.diff = diff_procedure(procedure, row.data)
        row.state = NationalState.PENDING if row.diff else NationalState.SAME


@transaction.atomic
def accept_national_version(
    row: NationalProcedureVersion, actor: User | None = None, note: str = ""
) -> ProcedureVersion:
    """Apply a pending national version to the local procedure: its fields and components
    change, a new ProcedureVersion becomes current (dossiers already filed keep theirs)."""
    row = NationalProcedureVersion.objects.select_for_update().get(pk=row.pk)
    if row.state != NationalState.PENDING or row.procedure_id is None:
        raise InvalidInput("Chỉ áp dụng được thay đổi đang chờ duyệt.", code="not_pending")
    if row.effective_from > timezone.localdate():
        raise InvalidInput(
            f"Phiên bản này có hiệu lực từ {row.effective_from:%d/%m/%Y}; "
            "chỉ áp dụng được từ ngày đó.",
            code="not_yet_effective",
        )
    procedure = Procedure.objects.select_for_update().get(pk=row.procedure_id)
    before = current_version(procedure)  # the old state is kept as a version first
    changes = diff_procedure(procedure, row.data)
    _apply(procedure, row.data)
    number = _next_version_number(procedure)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        source=ProcedureVersion.Source.NATIONAL,
        national_version=row.version,
        effective_from=row.effective_from,
        snapshot=procedure_snapshot(procedure),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    Procedure.objects.filter(pk=procedure.pk).update(current_version=version)
    row.state = NationalState.ACCEPTED
    row.diff = changes
    row.applied_version = version
    row.decided_at = timezone.now()
    row.decided_by = actor if getattr(actor, "pk", None) else None
    row.decision_note = text_note(note)
    row.save()
    audit.record(
        "catalogue.accept",
        "procedure",
        procedure.code,
        actor=actor,
        data={
            "national_code": row.national_code,
            "national_version": row.version,
            "version": number,
            "previous_version": before.number,
            "changes": [c["field"] for c in changes],
        },
    )
    return version


@transaction.atomic
def reject_national_version(
    row: NationalProcedureVersion, actor: User | None = None, note: str = ""
) -> NationalProcedureVersion:
    """Keep the local procedure as it is; the national version stays stored as rejected."""
    row = NationalProcedureVersion.objects.select_for_update().get(pk=row.pk)
    if row.state != NationalState.PENDING:
        raise InvalidInput("Chỉ từ chối được thay đổi đang chờ duyệt.", code="not_pending")
    row.state = NationalState.REJECTED
    row.decided_at = timezone.now()
    row.decided_by = actor if getattr(actor, "pk", None) else None
    row.decision_note = text_note(note)
    row.save()
    audit.record(
        "catalogue.reject",
        "procedure",
        row.procedure.code if row.procedure else row.national_code,
        actor=actor,
        data={
            "national_code": row.national_code,
            "national_version": row.version,
            "note": row.decision_note,
        },
    )
    return row


def text_note(note: str) -> str:
    return clean_text(note or "")[:500]


def _apply(procedure: Procedure, data: dict[str, Any]) -> None:
    for field in ("name", "fee_note", "legal_basis", "result_type", "time_limit_kind"):
        if field in data:
            setattr(procedure, field, _normalised(field, data[field])[: _max_length(field)])
    for field in ("fee_vnd", "charge_vnd"):
        if field in data:
            setattr(procedure, field, int(data[field]))
    if "processing_days" in data and Decimal(_days(data["processing_days"])) > 0:
        procedure.processing_days = Decimal(_days(data["processing_days"]))
    try:
        procedure.full_clean(exclude=["search_text", "current_version"])
    except ValidationError as exc:
        # The whole acceptance rolls back; the administrator sees why in Vietnamese.
        raise InvalidInput(
            "Không áp dụng được phiên bản này: " + " ".join(exc.messages), code="invalid_version"
        ) from exc
    procedure.save()
    if "components" not in data:
        return
    # Matched by name: a component kept keeps its rows (attachments point at it); one the
    # national version dropped goes (attachments keep their file, their link is cleared).
    wanted = _normalised("components", data["components"])
    existing = {c.name.casefold(): c for c in procedure.components.all()}
    keep = []
    for order, item in enumerate(wanted):
        component = existing.pop(item["name"].casefold(), None) or Component(procedure=procedure)
        component.name = item["name"][:500]
        component.copies = item["copies"]
        component.required = item["required"]
        component.order = order
        component.save()
        keep.append(component.pk)
    procedure.components.exclude(pk__in=keep).delete()


def _max_length(field: str) -> int:
    return Procedure._meta.get_field(field).max_length or 100_000
