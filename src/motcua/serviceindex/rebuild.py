"""The dossier-derived counters of IndexMonthStats recomputed from the dossiers and their
events (after an import, or to check the running counters). The counters fed by other
apps (payments, ratings, feedback) are kept: they are those apps' facts, not the dossiers'.
"""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncMonth

OWN = ("online", "returned", "returned_online", "payment_due")


def recount(dossier_model, event_model) -> dict[tuple[int, object], dict[str, int]]:
    """Two GROUP BYs in the database (not a loop over the dossiers in Python)."""
    month = TruncMonth("received_at", output_field=DateField(), tzinfo=ZoneInfo(settings.TIME_ZONE))
    received = dossier_model.objects.filter(received_at__isnull=False).annotate(m=month)
    rows: dict = defaultdict(lambda: dict.fromkeys(OWN, 0))
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
    return rows


def rebuild(dossier_model, event_model, stats_model) -> int:
    """Write the recount into the table (in the caller's transaction); rows' other
    counters stay. Returns the number of (agency, month) rows recounted."""
    rows = recount(dossier_model, event_model)
    existing = {(s.agency_id, s.month): s for s in stats_model.objects.all()}
    for key, s in existing.items():
        counts = rows.get(key, dict.fromkeys(OWN, 0))
        for column in OWN:
            setattr(s, column, counts[column])
    stats_model.objects.bulk_update(list(existing.values()), list(OWN), batch_size=2000)
    stats_model.objects.bulk_create(
        [
            stats_model(agency_id=agency, month=month, **counts)
            for (agency, month), counts in rows.items()
            if (agency, month) not in existing
        ],
        batch_size=2000,
    )
    return len(rows)
