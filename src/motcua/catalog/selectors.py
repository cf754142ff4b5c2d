"""Read paths of the catalogue, shared by the portal pages and the API."""

from __future__ import annotations

import re

from django.db.models import F, Q, QuerySet

from motcua.catalog.models import (
    Agency,
    Component,
    Procedure,
    ProcessVersion,
    SearchTerm,
    ServiceCentre,
)
from motcua.core.prepared import Prepared, set_prefetched
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
    match = Q()
    for variant in query_variants(q):
        words = Q()
        for word in variant.split():
            words &= Q(search_text__icontains=word)
        match |= words
    qs = qs.filter(match)
    if level:
        qs = qs.filter(level=level)
    if field:
        qs = qs.filter(field__code=field)
    if agency:
        match = Q(agency__identifier=agency)
        if Agency.objects.filter(identifier=agency, level=Agency.Level.COMMUNE).exists():
            match |= Q(agency__isnull=True, level=Procedure.Level.COMMUNE)
        qs = qs.filter(match)
    return qs.order_by("sort_key", "code")


MAX_VARIANTS = 8  # a query full of abbreviations must not become a huge OR


def query_variants(q: str) -> list[str]:
    """The folded query, and the same query with each abbreviation or synonym it contains
    (SearchTerm, matched as whole words) replaced by the catalogue words it stands for:
    "gpxd nha o" also searches "giay phep xay dung nha o". Longer terms first, so
    "gcn qsdd" is replaced as a whole before "qsdd"."""
    folded = fold(q or "")
    variants = [folded]
    if not folded:
        return variants
    terms = sorted(
        ((fold(t), fold(e)) for t, e in SearchTerm.objects.values_list("term", "expansion")),
        key=lambda pair: -len(pair[0]),
    )
    for term, expansion in terms:
        if not term:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)")
        for variant in list(variants):
            replaced = pattern.sub(expansion, variant)
            if replaced != variant and replaced not in variants:
                variants.append(replaced)
                if len(variants) >= MAX_VARIANTS:
                    return variants
    return variants


def procedures_with_details() -> QuerySet[Procedure]:
    """Every procedure (inactive ones too: old dossiers still point at them)."""
    return Procedure.objects.select_related("field", "agency").prefetch_related(
        "components", "form_templates"
    )


def procedure_by_code(code: str) -> Procedure | None:
    return one_or_none(procedures_with_details().filter(code=code.strip()))


def _for_submission() -> QuerySet[Procedure]:
    return Procedure.objects.select_related("field", "agency").prefetch_related("components")


# Every submission reads these: compiled once (core.prepared); the components are put
# where the queryset's prefetch_related puts them.
_PROCEDURE = Prepared(
    "catalog.procedure_by_code",
    lambda code: (
        Procedure.objects.select_related("field", "agency").filter(code=code).order_by()[:1]
    ),
    code=str,
)
_COMPONENTS = Prepared(
    "catalog.components",
    lambda procedure: Component.objects.filter(procedure_id=procedure),
    procedure=int,
)


def procedure_for_submission(code: str) -> Procedure | None:
    """procedure_by_code without the form templates, which a submission never reads
    (one_or_none(_for_submission().filter(code=...)), as prepared queries)."""
    procedure = _PROCEDURE.first(code=code.strip())
    if procedure is not None:
        set_prefetched(procedure, "components", _COMPONENTS.all(procedure=procedure.pk))
    return procedure


def active_agencies(level: str | None = None) -> QuerySet[Agency]:
    qs = Agency.objects.filter(is_active=True)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("sort_key", "identifier")


def agency_by_identifier(identifier: str) -> Agency | None:
    return Agency.objects.filter(identifier=identifier.strip()).first()


def _centres_of(agency_id: int) -> QuerySet[ServiceCentre]:
    return (
        ServiceCentre.objects.filter(is_active=True, agencies=agency_id)
        .select_related("unit", "parent")
        .order_by(F("parent_id").asc(nulls_last=True), "id")[:1]
    )


# Read by every receipt, submission and assignment: compiled once (core.prepared).
_CENTRE = Prepared("catalog.centre", _centres_of, agency_id=int)
_PUBLISHED_PROCESS = Prepared(
    "catalog.published_process",
    lambda procedure: ProcessVersion.objects.filter(
        procedure_id=procedure, state=ProcessVersion.State.PUBLISHED
    )[:1],  # the model's ordering, as .first() takes it
    procedure=int,
)


def centre_for(agency: Agency | int | None) -> ServiceCentre | None:
    """The active service centre that receives for `agency`: a branch before the
    provincial centre (the nearer unit), then the lowest id, so the answer is stable."""
    if agency is None:
        return None
    return _CENTRE.first(agency_id=agency if isinstance(agency, int) else agency.pk)


def current_process(procedure: Procedure) -> ProcessVersion | None:
    """The procedure's published internal process, if it has one."""
    return _PUBLISHED_PROCESS.first(procedure=procedure.pk)
