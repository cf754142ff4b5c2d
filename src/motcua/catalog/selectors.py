"""Read paths of the catalogue, shared by the portal pages and the API."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from motcua.catalog.models import Agency, Procedure, ProcessVersion, ServiceCentre
from motcua.core.queries import one_or_none
from motcua.core.text import fold


def search_procedures(
    q: str = "",
    *,
    level: str | None = None,
    field: str | None = None,
    agency: str | None = None,
) -> QuerySet[Procedure]:
    """Active procedures matching every word of `q`, ignoring case and diacritics.

    `search_text` is stored folded (see Procedure.save), so folding the query lets
    "giay phep xay dung" find "Cấp giấy phép xây dựng" and "dang ky" find "Đăng ký".
    `agency` is an identifier; a commune also gets the commune-level procedures, which
    have no agency of their own because every commune carries them out.
    """
    qs = Procedure.objects.filter(is_active=True).select_related("field", "agency")
    for word in fold(q or "").split():
        qs = qs.filter(search_text__icontains=word)
    if level:
        qs = qs.filter(level=level)
    if field:
        qs = qs.filter(field__code=field)
    if agency:
        match = Q(agency__identifier=agency)
        if Agency.objects.filter(identifier=agency, level=Agency.Level.COMMUNE).exists():
            match |= Q(agency__isnull=True, level=Procedure.Level.COMMUNE)
        qs = qs.filter(match)
    return qs.order_by("name", "code")


def procedures_with_details() -> QuerySet[Procedure]:
    """Every procedure (inactive ones too: old dossiers still point at them)."""
    return Procedure.objects.select_related("field", "agency").prefetch_related("components")


def procedure_by_code(code: str) -> Procedure | None:
    return one_or_none(procedures_with_details().filter(code=code.strip()))


def active_agencies(level: str | None = None) -> QuerySet[Agency]:
    qs = Agency.objects.filter(is_active=True)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("identifier")


def agency_by_identifier(identifier: str) -> Agency | None:
    return Agency.objects.filter(identifier=identifier.strip()).first()


def centre_for(agency: Agency | int | None) -> ServiceCentre | None:
    """The active service centre that receives for `agency`: a branch before the
    provincial centre (the nearer unit), then the lowest id, so the answer is stable."""
    if agency is None:
        return None
    agency_id = agency if isinstance(agency, int) else agency.pk
    return (
        ServiceCentre.objects.filter(is_active=True, agencies=agency_id)
        .select_related("unit", "parent")
        .order_by(F("parent_id").asc(nulls_last=True), "id")
        .first()
    )


def current_process(procedure: Procedure) -> ProcessVersion | None:
    """The procedure's published internal process, if it has one."""
    return ProcessVersion.objects.filter(
        procedure=procedure, state=ProcessVersion.State.PUBLISHED
    ).first()
