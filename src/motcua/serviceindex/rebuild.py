"""The dossier-derived counters of IndexMonthStats recomputed from the dossiers and their
events (after an import, or to check the running counters). The counters fed by other
apps (payments, ratings, feedback) are kept: they are those apps' facts, not the dossiers'.
"""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings

OWN = ("online", "returned", "returned_online", "payment_due")


def recount(dossier_model, event_model) -> dict[tuple[int, object], dict[str, int]]:
    tz = ZoneInfo(settings.TIME_ZONE)
    rows: dict = defaultdict(lambda: dict.fromkeys(OWN, 0))
    paying = set(
        event_model.objects.filter(action="request_payment").values_list("dossier_id", flat=True)
    )
    qs = dossier_model.objects.filter(received_at__isnull=False).only(
        "id", "agency_id", "received_at", "channel", "returned_at", "return_method", "status"
    )
    for d in qs.iterator(chunk_size=5000):
        row = rows[(d.agency_id, d.received_at.astimezone(tz).date().replace(day=1))]
        row["online"] += int(d.channel == "online")
        if d.status == "returned":
            row["returned"] += 1
            row["returned_online"] += int(d.return_method == "online")
        row["payment_due"] += int(d.pk in paying)
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
