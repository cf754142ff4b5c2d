"""Read queries of the feedback pages; what a user may see is decided here (policy)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from motcua.catalog.models import Agency, Officer
from motcua.core.calendar import calendar
from motcua.dossiers.models import Dossier, ReturnMethod, Status
from motcua.feedback import policy
from motcua.feedback.models import Feedback, Kiosk, Rating, Source

QUEUE_FILTERS = {
    "cho-tra-loi": ("Chưa trả lời", Q(status=Feedback.Status.OPEN)),
    "qua-han": ("Quá hạn", None),  # needs the time: see handling_list
    "da-tra-loi": ("Đã trả lời", Q(status=Feedback.Status.ANSWERED)),
    "tat-ca": ("Tất cả", Q()),
}


def handling_list(user, which: str, now: dt.datetime | None = None) -> QuerySet[Feedback]:
    """The items the officer's agency handles, soonest due first for the open ones."""
    q = policy.visible_q(user)
    if q is None:
        return Feedback.objects.none()
    qs = Feedback.objects.filter(q).select_related("agency", "assignee")
    if which == "qua-han":
        qs = qs.filter(status=Feedback.Status.OPEN, due_at__lt=now or timezone.now())
    else:
        qs = qs.filter(QUEUE_FILTERS.get(which, QUEUE_FILTERS["cho-tra-loi"])[1])
    if which in ("da-tra-loi", "tat-ca"):
        return qs.order_by("-received_at")
    return qs.order_by("due_at", "received_at")


def overdue_count(user, now: dt.datetime | None = None) -> int:
    return handling_list(user, "qua-han", now).count()


def handled_item(user, pk: int) -> Feedback | None:
    q = policy.visible_q(user)
    if q is None:
        return None
    return Feedback.objects.filter(q, pk=pk).select_related("agency", "assignee", "dossier").first()


def officers_of(agency_id: int | None) -> list[User]:
    if agency_id is None:
        return []
    return [
        o.user
        for o in Officer.objects.filter(agency_id=agency_id)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]


def agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True).order_by("level", "name")


def published(query: str = "") -> QuerySet[Feedback]:
    """The public questions and answers: published ones only, never their sender."""
    qs = Feedback.objects.filter(published_at__isnull=False).select_related("agency")
    if query:
        qs = qs.filter(Q(public_question__icontains=query) | Q(public_answer__icontains=query))
    return qs.only(
        "pk", "kind", "public_question", "public_answer", "published_at", "answered_at", "agency"
    ).order_by("-published_at")


def own_feedback(user) -> QuerySet[Feedback]:
    return Feedback.objects.filter(author=user).select_related("agency").order_by("-received_at")


def own_rating(dossier: Dossier) -> Rating | None:
    return Rating.objects.filter(
        dossier=dossier, source__in=[Source.ONLINE, Source.COUNTER]
    ).first()


def kiosk_dossiers(kiosk: Kiosk, limit: int = 12) -> list[Dossier]:
    """What the tablet lists: the agency's dossiers returned at the desk today and not yet
    rated, newest first; only their code, procedure and time (no personal data)."""
    cal = calendar()
    start = dt.datetime.combine(timezone.now().astimezone(cal.tz).date(), dt.time(), cal.tz)
    rated = Rating.objects.filter(
        dossier=OuterRef("pk"), source__in=[Source.ONLINE, Source.COUNTER]
    )
    return list(
        Dossier.objects.filter(
            agency_id=kiosk.agency_id,
            status=Status.RETURNED,
            return_method=ReturnMethod.DESK,
            returned_at__gte=start,
        )
        .exclude(Exists(rated))
        .select_related("procedure")
        .only("pk", "code", "returned_at", "procedure__name")
        .order_by("-returned_at")[:limit]
    )


def kiosk_dossier(kiosk: Kiosk, code: str) -> Dossier | None:
    return (
        Dossier.objects.filter(agency_id=kiosk.agency_id, code=code)
        .select_related("procedure")
        .only("pk", "code", "status", "returned_at", "procedure__name")
        .first()
    )
