"""An internal process for the test world's procedure (importable by every test package)."""

from __future__ import annotations

from decimal import Decimal

from motcua.catalog import services as catalog_services
from motcua.catalog.models import Officer, ProcessStep, ProcessVersion

K = ProcessStep.Kind
R = Officer.Role


def build_process(world, procedure=None, steps=None, publish: bool = True) -> ProcessVersion:
    """Appraise; in parallel an opinion of the other department and a site check at home;
    draft; review; sign; issue (22 of the procedure's 24 working hours)."""
    procedure = procedure or world.proc
    draft = catalog_services.new_process_draft(procedure)
    rows = steps or [
        (1, "Thẩm định hồ sơ", K.WORK, R.SPECIALIST, None, "6", ""),
        (2, "Lấy ý kiến Sở Tư pháp", K.OPINION, R.SPECIALIST, world.other_dept, "6", "p"),
        (3, "Kiểm tra thực địa", K.WORK, R.SPECIALIST, None, "4", "p"),
        (4, "Dự thảo kết quả", K.DRAFT, R.SPECIALIST, None, "4", ""),
        (5, "Xem xét, trình ký", K.REVIEW, R.LEADER, None, "2", ""),
        (6, "Ký duyệt", K.SIGN, R.LEADER, None, "2", ""),
        (7, "Ban hành", K.ISSUE, R.SPECIALIST, None, "2", ""),
    ]
    for order, name, kind, role, agency, hours, group in rows:
        ProcessStep.objects.create(
            version=draft,
            order=order,
            name=name,
            kind=kind,
            role=role,
            agency=agency,
            budget_hours=Decimal(hours),
            parallel_group=group,
        )
    return catalog_services.publish_process(draft) if publish else draft
