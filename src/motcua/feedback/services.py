"""Changes to ratings and feedback: recording what arrives (once per external id) and
attaching records to their dossier when it becomes known."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from motcua.core import audit
from motcua.dossiers.models import Dossier
from motcua.feedback.models import CRITERION_MAX, Feedback, Rating, Source


def find_dossier(code: str) -> Dossier | None:
    """The dossier a record names: by the national portal's code first (dossiers filed
    there), else by the local code (dossiers synced to the portal under it)."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        Dossier.objects.filter(national_id=code).only("pk").first()
        or Dossier.objects.filter(code=code).only("pk").first()
    )


@dataclass
class RatingData:
    source: str
    received_at: dt.datetime
    dossier_code: str = ""
    external_id: str | None = None
    overall: int | None = None
    scores: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class FeedbackData:
    source: str
    kind: str
    content: str
    received_at: dt.datetime
    dossier_code: str = ""
    external_id: str | None = None
    submitter_name: str = ""
    submitter_contact: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def _scores(scores: dict[str, Any]) -> dict[str, int]:
    return {
        str(k): int(v)
        for k, v in scores.items()
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= CRITERION_MAX
    }


def _existing(model, source: str, external_id: str | None):
    if external_id is None:
        return None
    return model.objects.filter(source=source, external_id=external_id).first()


def record_rating(data: RatingData) -> tuple[Rating, bool]:
    """Store a rating once per (source, external id); seen again, it is only attached to
    its dossier if it was not yet. Returns (rating, created)."""
    existing = _existing(Rating, data.source, data.external_id)
    if existing is not None:
        _attach_one(existing)
        return existing, False
    try:
        with transaction.atomic():
            dossier = find_dossier(data.dossier_code)
            rating = Rating.objects.create(
                dossier=dossier,
                dossier_code=data.dossier_code.strip()[:64],
                source=data.source,
                scores=_scores(data.scores),
                overall=data.overall,
                comment=data.comment,
                received_at=data.received_at,
                external_id=data.external_id,
                raw=data.raw,
            )
            audit.record(
                "feedback.rating",
                "rating",
                rating.pk,
                data={
                    "source": data.source,
                    "external_id": data.external_id,
                    "dossier": dossier.code if dossier else None,
                    "overall": data.overall,
                },
            )
            return rating, True
    except IntegrityError:  # the same rating recorded at the same moment by another pull
        return Rating.objects.get(source=data.source, external_id=data.external_id), False


def record_feedback(data: FeedbackData) -> tuple[Feedback, bool]:
    """Store a question, report or proposal once per (source, external id)."""
    existing = _existing(Feedback, data.source, data.external_id)
    if existing is not None:
        _attach_one(existing)
        return existing, False
    try:
        with transaction.atomic():
            dossier = find_dossier(data.dossier_code)
            item = Feedback.objects.create(
                dossier=dossier,
                dossier_code=data.dossier_code.strip()[:64],
                source=data.source,
                kind=data.kind,
                content=data.content,
                submitter_name=data.submitter_name[:255],
                submitter_contact=data.submitter_contact[:300],
                received_at=data.received_at,
                external_id=data.external_id,
                raw=data.raw,
            )
            audit.record(
                "feedback.received",
                "feedback",
                item.pk,
                data={
                    "source": data.source,
                    "kind": data.kind,
                    "external_id": data.external_id,
                    "dossier": dossier.code if dossier else None,
                },
            )
            return item, True
    except IntegrityError:
        return Feedback.objects.get(source=data.source, external_id=data.external_id), False


def _attach_one(row: Rating | Feedback) -> bool:
    if row.dossier_id is not None or not row.dossier_code:
        return False
    dossier = find_dossier(row.dossier_code)
    if dossier is None:
        return False
    with transaction.atomic():
        updated = type(row).objects.filter(pk=row.pk, dossier__isnull=True).update(dossier=dossier)
        if updated:
            audit.record(
                "feedback.attached",
                type(row)._meta.model_name,
                row.pk,
                data={"dossier": dossier.code},
            )
    row.dossier = dossier
    return bool(updated)


def attach_pending() -> int:
    """Attach every rating and feedback that names a dossier now known (a rating can arrive
    before the dossier it rates is taken from the portal). Returns how many were attached."""
    attached = 0
    for model in (Rating, Feedback):
        for row in model.objects.filter(dossier__isnull=True).exclude(dossier_code=""):
            attached += _attach_one(row)
    return attached


def unattached() -> tuple[int, int]:
    """Ratings and feedback naming a dossier the province does not know (for reports)."""
    pending = Q(dossier__isnull=True) & ~Q(dossier_code="")
    return Rating.objects.filter(pending).count(), Feedback.objects.filter(pending).count()


__all__ = [
    "FeedbackData",
    "RatingData",
    "Source",
    "attach_pending",
    "find_dossier",
    "record_feedback",
    "record_rating",
]
