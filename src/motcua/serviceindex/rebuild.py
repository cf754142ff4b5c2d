"""The dossier-derived counters of IndexMonthStats recomputed from the dossiers and their
events (after an import, or to check the running counters), the dossiers synced from the
delivered national-portal messages, and OpenDueCount from the open dossiers. The counters
fed by other apps (payments, ratings, feedback) are kept: they are those apps' facts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

OWN = ("online", "returned", "returned_online", "payment_due", "digitised", "digitised_results")


def _month():
    return TruncMonth("received_at", output_field=DateField(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def recount(dossier_model, event_model) -> dict[tuple[int, object], dict[str, int]]:
    """GROUP BYs in the database (not a loop over the dossiers in Python)."""
    received = dossier_model.objects.filter(received_at__isnull=False).annotate(m=_month())
    rows: dict = defaultdict(lambda: dict.fromkeys(OWN, 0))
    files = dossier_model._meta.get_field("attachments").related_model.objects
    application = files.filter(dossier=OuterRef("pk"), kind="application")
    result = files.filter(dossier=OuterRef("pk"), kind="result")
    for r in received.values("agency_id", "m").annotate(
        online=Count("id", filter=Q(channel="online")),
        returned=Count("id", filter=Q(status="returned")),
        returned_online=Count("id", filter=Q(status="returned", return_method="online")),
    ):
        rows[(r["agency_id"], r["m"])].update(
            online=r["online"], returned=r["returned"], returned_online=r["returned_online"]
        )
    paying = event_model.objects.filter(action="request_payment").values("dossier_id")
    for r in received.filter(pk__in=paying).values("agency_id", "m").annotate(n=Count("id")):
        rows[(r["agency_id"], r["m"])]["payment_due"] = r["n"]
    for r in received.filter(Exists(application)).values("agency_id", "m").annotate(n=Count("id")):
        rows[(r["agency_id"], r["m"])]["digitised"] = r["n"]
    for r in (
        received.filter(Exists(result), status="returned")
        .values("agency_id", "m")
        .annotate(n=Count("id"))
    ):
        rows[(r["agency_id"], r["m"])]["digitised_results"] = r["n"]
    return rows


OPEN_AFTER_RECEIPT = ["received", "processing", "approved", "supplement", "payment"]
ALWAYS_LATE = dt.date(1, 1, 1)  # models.ALWAYS_LATE (a migration may not import models)


def recount_open(dossier_model) -> dict[tuple[int, object, object], int]:
    """OpenDueCount from the open dossiers, by tracking.due_bucket's rule, in SQL: the
    dossiers late whatever the time, and those whose clock runs by their due day."""
    tz = ZoneInfo(settings.TIME_ZONE)
    due = Coalesce("on_time_due_at", "original_due_at")
    open_ = (
        dossier_model.objects.filter(status__in=OPEN_AFTER_RECEIPT, received_at__isnull=False)
        .annotate(m=_month(), due=due)
        .values("agency_id", "m")
    )
    static_late = (
        Q(due__isnull=True)
        | Q(intake_supplement_count__gt=1)
        | Q(appraisal_supplement_count__gt=1)
        | Q(paused_at__isnull=False, paused_at__gt=F("due"))
        | Q(paused_at__isnull=True, finished_at__isnull=False, finished_at__gt=F("due"))
    )
    running = Q(paused_at__isnull=True, finished_at__isnull=True)
    rows: dict = {}
    for r in open_.filter(static_late).annotate(n=Count("id")):
        rows[(r["agency_id"], r["m"], ALWAYS_LATE)] = r["n"]
    for r in (
        open_.exclude(static_late)
        .filter(running)
        .annotate(day=TruncDate("due", tzinfo=tz))
        .values("agency_id", "m", "day")
        .annotate(n=Count("id"))
    ):
        rows[(r["agency_id"], r["m"], r["day"])] = r["n"]
    return rows


def rebuild_open(dossier_model, open_model) -> int:
    """Replace OpenDueCount by the recount (in the caller's transaction)."""
    rows = recount_open(dossier_model)
    open_model.objects.all().delete()
    open_model.objects.bulk_create(
        [
            open_model(agency_id=agency, month=month, due_day=day, count=n)
            for (agency, month, day), n in rows.items()
        ],
        batch_size=5000,
    )
    return len(rows)


SYNC_TOPIC = "dvcqg.status"  # dossiers.sync.TOPIC


def recount_synced(dossier_model, outbox_model) -> dict[tuple[int, object], int]:
    """Received dossiers of which a delivered status message carried the receipt
    (tracking.on_status_delivered counts each once, when it happens)."""
    keys = set()
    delivered = outbox_model.objects.filter(topic=SYNC_TOPIC, status="delivered")
    for key, received in delivered.values_list("ordering_key", "payload__dossier__received_at"):
        if received and key.startswith("dvcqg:"):
            keys.add(key.removeprefix("dvcqg:"))
    out: dict = defaultdict(int)
    codes = sorted(keys)
    for i in range(0, len(codes), 5000):
        received = dossier_model.objects.filter(
            code__in=codes[i : i + 5000], received_at__isnull=False
        ).annotate(m=_month())
        for r in received.values("agency_id", "m").annotate(n=Count("id")):
            out[(r["agency_id"], r["m"])] += r["n"]
    return out


def rebuild(dossier_model, event_model, stats_model, outbox_model=None) -> int:
    """Write the recount into the table (in the caller's transaction); rows' other
    counters stay. Returns the number of (agency, month) rows recounted. With the outbox
    model, the dossiers synced are recounted too."""
    rows = recount(dossier_model, event_model)
    if outbox_model is not None:
        for key, n in recount_synced(dossier_model, outbox_model).items():
            rows[key]["synced"] = n
    # A migration's historical model may not have every column yet.
    known = {f.name for f in stats_model._meta.get_fields()}
    own = [c for c in (*OWN, *(("synced",) if outbox_model else ())) if c in known]
    existing = {(s.agency_id, s.month): s for s in stats_model.objects.all()}
    for key, s in existing.items():
        counts = rows.get(key, {})
        for column in own:
            setattr(s, column, counts.get(column, 0))
    stats_model.objects.bulk_update(list(existing.values()), own, batch_size=2000)
    stats_model.objects.bulk_create(
        [
            stats_model(agency_id=agency, month=month, **{c: counts.get(c, 0) for c in own})
            for (agency, month), counts in rows.items()
            if (agency, month) not in existing
        ],
        batch_size=2000,
    )
    return len(rows)
