"""Daily reconciliation with the National Public Service Portal (đối soát).

For the dossiers filed in a period, Motcua's current national status and dates are compared
with what the portal holds (motcua.dvcqg.schemas.DOI_SOAT_FIELDS):

1. per day of filing, a digest: computed here in one SQL query (md5 of string_agg on
   PostgreSQL; on SQLite the same lines from SQL folded in Python) and asked of the portal
   (LayTomTatDoiSoat) for the whole period in one call;
2. only for the days whose digests differ, dossier by dossier: the day's rows here and the
   portal's (LayDanhSachDoiSoat, paged).

A dossier that differs is sent again in full (DongBoHoSoMC) through the ordinary outbox
sync, after whatever of its messages are still waiting (so nothing overtakes a step): unless
one is still pending (it will get there) or dead (an administrator must send it again first,
core admin). Every difference found is a ReconciliationRow of the run; a run with no rows
means the portal shows what the province holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from motcua.core import audit, jobs, outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers import sync
from motcua.dossiers.models import NATIONAL_STATUS, Dossier, Event
from motcua.dvcqg import schemas
from motcua.dvcqg.client import DvcqgClient, DvcqgError
from motcua.dvcqg.models import ReconciliationRow, ReconciliationRun

log = logging.getLogger(__name__)

DIGESTS = "LayTomTatDoiSoat"
DAY_ROWS = "LayDanhSachDoiSoat"
PAGE = 5000
REQUEUE_BATCH = 200
SCHEDULE_NAME = "dvcqg-reconcile"
Kind = ReconciliationRow.Kind
Outcome = ReconciliationRow.Outcome

# Each field of schemas.DOI_SOAT_FIELDS as a column of the dossier table.
_DATETIME_COLUMNS = {
    "NgayTiepNhan": "received_at",
    "NgayHenTra": "due_at",
    "NgayKetThucXuLy": "finished_at",
    "NgayTra": "returned_at",
}
assert set(schemas.DOI_SOAT_FIELDS) == {"MaHoSo", "TrangThaiHoSo", *_DATETIME_COLUMNS}


# --- the local side, in SQL ------------------------------------------------------------------


def _sql_parts() -> tuple[str, str, str]:
    """(day expression, line expression, order-by) for this database, over the dossier
    table: the same text as schemas.doi_soat_day / doi_soat_line of the synced record."""
    postgres = connection.vendor == "postgresql"
    zone = str(schemas.VIETNAM)
    if postgres:

        def stamp(column: str, pattern: str = "YYYYMMDDHH24MISS") -> str:
            return f"to_char({column} AT TIME ZONE '{zone}', '{pattern}')"

        day = stamp("submitted_at", "YYYYMMDD")
        order = 'code COLLATE "C"'  # code point order, as Python sorts
    else:
        # SQLite keeps UTC text; Vietnam has kept UTC+7, without summer time, since 1975.
        hours = int(dt.datetime(2000, 1, 1, tzinfo=schemas.VIETNAM).utcoffset().seconds / 3600)

        def stamp(column: str, pattern: str = "%Y%m%d%H%M%S") -> str:
            return f"strftime('{pattern}', {column}, '+{hours} hours')"

        day = stamp("submitted_at", "%Y%m%d")
        order = "code"  # SQLite's BINARY collation: byte (code point) order
    status = "CASE status " + " ".join(
        f"WHEN '{name}' THEN '{code}'" for name, code in NATIONAL_STATUS.items()
    )
    status += " END"
    parts = []
    for field in schemas.DOI_SOAT_FIELDS:
        if field == "MaHoSo":
            parts.append("code")
        elif field == "TrangThaiHoSo":
            parts.append(status)
        else:
            parts.append(f"COALESCE({stamp(_DATETIME_COLUMNS[field])}, '')")
    line = f" || '{schemas.DOI_SOAT_SEPARATOR}' || ".join(parts)
    return day, line, order


def _bounds(first: dt.date, last: dt.date) -> tuple[object, object]:
    """The period's first and last instants, as the database compares them (SQLite: UTC
    text, so an aware value must not reach it as text with an offset)."""
    start = dt.datetime.combine(first, dt.time(), schemas.VIETNAM)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), schemas.VIETNAM)
    adapt = connection.ops.adapt_datetimefield_value
    return adapt(start), adapt(end)


def local_digests(first: dt.date, last: dt.date) -> dict[str, tuple[int, str]]:
    """Day (yyyyMMdd) -> (dossiers filed that day, digest), for days with dossiers."""
    day, line, order = _sql_parts()
    table = Dossier._meta.db_table
    start, end = _bounds(first, last)
    where = "submitted_at >= %s AND submitted_at < %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with transaction.atomic():
                # The period's lines are sorted by day and code in memory, not on disk.
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute(
                    f"SELECT day, count(*), md5(string_agg(line, E'\\n' ORDER BY {order})) "  # noqa: S608 - SQL from constants; values bound
                    f"FROM (SELECT {day} AS day, code, {line} AS line FROM {table} "
                    f"WHERE {where}) AS lines GROUP BY day",
                    [start, end],
                )
                return {d: (n, digest) for d, n, digest in cursor.fetchall()}
        cursor.execute(
            f"SELECT {day}, {line} FROM {table} WHERE {where} ORDER BY 1, {order}",  # noqa: S608
            [start, end],
        )
        out: dict[str, tuple[int, str]] = {}
        current, count, digest = None, 0, None
        for d, text in cursor.fetchall():
            if d != current:
                if current is not None:
                    out[current] = (count, digest.hexdigest())
                current, count, digest = d, 0, hashlib.md5(usedforsecurity=False)
            digest.update((b"\n" if count else b"") + text.encode())
            count += 1
        if current is not None:
            out[current] = (count, digest.hexdigest())
        return out


def local_rows(day: str) -> dict[str, tuple[int, str]]:
    """The dossiers filed on `day` (yyyyMMdd): code -> (id, line)."""
    _, line, _ = _sql_parts()
    first = schemas.parse_date(day)
    start, end = _bounds(first, first)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT code, id, {line} FROM {Dossier._meta.db_table} "  # noqa: S608
            "WHERE submitted_at >= %s AND submitted_at < %s",
            [start, end],
        )
        return {code: (pk, text) for code, pk, text in cursor.fetchall()}


# --- the portal's side -----------------------------------------------------------------------


class PortalAnswerInvalid(Exception):
    pass


def national_digests(
    client: DvcqgClient, first: dt.date, last: dt.date
) -> dict[str, tuple[int, str]]:
    answer = client.get(
        DIGESTS, tu_ngay=schemas.format_date(first), den_ngay=schemas.format_date(last)
    )
    items = answer.get("data")
    if not isinstance(items, list):
        raise PortalAnswerInvalid(f"{DIGESTS}: data is not a list")
    out = {}
    for item in items:
        errors = schemas.validate("TomTatDoiSoat", item)
        if errors:
            raise PortalAnswerInvalid(f"{DIGESTS}: {'; '.join(errors[:3])}")
        out[item["Ngay"]] = (item["SoLuong"], item["MaBam"])
    return out


def national_rows(client: DvcqgClient, day: str) -> dict[str, dict[str, Any]]:
    """The portal's dossiers filed on `day`: MaHoSo -> record. Only the records that differ
    from Motcua's are checked against the schema (by `_compare`): a full check of every
    record costs more than the rest of the comparison."""
    out: dict[str, dict[str, Any]] = {}
    after = ""
    while True:
        answer = client.get(DAY_ROWS, ngay=day, sau=after, so_luong=PAGE)
        items = answer.get("data")
        if not isinstance(items, list):
            raise PortalAnswerInvalid(f"{DAY_ROWS}: data is not a list")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("MaHoSo"), str):
                raise PortalAnswerInvalid(f"{DAY_ROWS}: a record without MaHoSo")
            out[item["MaHoSo"]] = item
        following = answer.get("sau")
        if not answer.get("con_nua") or not items or not isinstance(following, str):
            return out
        if following <= after:
            raise PortalAnswerInvalid(f"{DAY_ROWS}: the page cursor did not move")
        after = following


# --- the run ---------------------------------------------------------------------------------


def _fields(line: str | None) -> dict[str, str] | None:
    if line is None:
        return None
    values = line.split(schemas.DOI_SOAT_SEPARATOR)
    return dict(zip(schemas.DOI_SOAT_FIELDS, values, strict=False))


@dataclass
class _Difference:
    day: dt.date
    code: str
    dossier_id: int | None
    local: str | None
    national: str | None

    @property
    def kind(self) -> str:
        if self.national is None:
            return Kind.MISSING_NATIONAL
        if self.local is None:
            return Kind.MISSING_LOCAL
        return Kind.DIFFERS

    def row(self, run: ReconciliationRun, outcome: str, key: str = "") -> ReconciliationRow:
        local, national = _fields(self.local), _fields(self.national)
        fields = (
            [f for f in schemas.DOI_SOAT_FIELDS if local[f] != national[f]]
            if local and national
            else []
        )
        return ReconciliationRow(
            run=run,
            day=self.day,
            code=self.code,
            dossier_id=self.dossier_id,
            kind=self.kind,
            outcome=outcome,
            fields=fields,
            local=local,
            national=national,
            message_key=key,
        )


def period(days: int | None = None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last `days` days of filing, today (Vietnam date) included."""
    days = days or settings.MOTCUA_DVCQG_RECONCILE_DAYS
    last = today or timezone.now().astimezone(schemas.VIETNAM).date()
    return last - dt.timedelta(days=days - 1), last


def run(
    days: int | None = None,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    trigger: str = "",
    requeue: bool = True,
    client: DvcqgClient | None = None,
) -> ReconciliationRun:
    """Reconcile the dossiers filed from `first` to `last` (default: the last `days` days,
    MOTCUA_DVCQG_RECONCILE_DAYS). A portal that does not answer leaves a FAILED run with
    what was found so far."""
    if first is None or last is None:
        first, last = period(days)
    client = client or DvcqgClient.from_settings()  # NotConfigured before any run is recorded
    started = time.perf_counter()
    report = ReconciliationRun.objects.create(
        period_start=first, period_end=last, trigger=trigger[:150]
    )
    try:
        _compare(report, client, first, last, requeue)
        report.status = ReconciliationRun.Status.DONE
    except (DvcqgError, PortalAnswerInvalid) as exc:
        report.status = ReconciliationRun.Status.FAILED
        report.error = str(exc)[:2000]
        log.warning("DVCQG reconciliation stopped: %s", exc)
    report.finished_at = timezone.now()
    report.seconds = round(time.perf_counter() - started, 3)
    report.save()
    return report


def _compare(
    report: ReconciliationRun, client: DvcqgClient, first: dt.date, last: dt.date, requeue: bool
) -> None:
    national = national_digests(client, first, last)
    local = local_digests(first, last)
    days = sorted(set(local) | set(national))
    differing = [d for d in days if local.get(d) != national.get(d)]
    report.days_checked = len(days)
    report.days_differing = len(differing)
    report.dossiers_local = sum(n for n, _ in local.values())
    report.dossiers_national = sum(n for n, _ in national.values())
    report.save()
    for day in differing:
        here = local_rows(day) if day in local else {}
        records = national_rows(client, day) if day in national else {}
        there = {code: schemas.doi_soat_line(r) for code, r in records.items()}
        date = schemas.parse_date(day)
        found = []
        for code in sorted(set(here) | set(there)):
            local_line = here[code][1] if code in here else None
            if local_line == there.get(code):
                continue
            errors = schemas.validate("HoSoDoiSoat", records[code]) if code in records else []
            if errors:
                raise PortalAnswerInvalid(f"{DAY_ROWS} {code}: {'; '.join(errors[:3])}")
            dossier_id = here[code][0] if code in here else None
            found.append(_Difference(date, code, dossier_id, local_line, there.get(code)))
        _settle(report, found, requeue)


def _settle(report: ReconciliationRun, found: list[_Difference], requeue: bool) -> None:
    """Record each difference; send the dossiers that can be sent again."""
    for i in range(0, len(found), REQUEUE_BATCH):
        batch = found[i : i + REQUEUE_BATCH]
        keys = {sync.ordering_key_for(d.code): d for d in batch if d.dossier_id}
        waiting: dict[str, str] = {}  # ordering key -> "failed" if any, else "pending"
        for key, status in OutboxMessage.objects.filter(
            ordering_key__in=keys,
            status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED],
        ).values_list("ordering_key", "status"):
            if status == OutboxMessage.Status.FAILED or key not in waiting:
                waiting[key] = status
        ids = [d.dossier_id for d in batch if d.dossier_id]
        dossiers = Dossier.objects.select_related("procedure__field", "agency").in_bulk(ids)
        last_events = Event.objects.in_bulk(
            Event.objects.filter(dossier_id__in=ids)
            .values("dossier_id")
            .annotate(last=Max("id"))
            .values_list("last", flat=True)
        )
        events = {e.dossier_id: e for e in last_events.values()}
        with transaction.atomic():
            rows = []
            for difference in batch:
                key = sync.ordering_key_for(difference.code)
                if difference.dossier_id is None or not requeue:
                    rows.append(difference.row(report, Outcome.REPORTED))
                elif waiting.get(key) == OutboxMessage.Status.FAILED:
                    rows.append(difference.row(report, Outcome.BLOCKED))
                elif key in waiting:
                    rows.append(difference.row(report, Outcome.IN_FLIGHT))
                else:
                    message = _resend(
                        report,
                        dossiers.get(difference.dossier_id),
                        events.get(difference.dossier_id),
                    )
                    outcome = Outcome.REQUEUED if message else Outcome.REPORTED
                    rows.append(difference.row(report, outcome, message.key if message else ""))
            ReconciliationRow.objects.bulk_create(rows)
            report.differing += len(rows)
            report.requeued += sum(r.outcome == Outcome.REQUEUED for r in rows)
            report.save(update_fields=["differing", "requeued"])


def _resend(
    report: ReconciliationRun, dossier: Dossier | None, event: Event | None
) -> OutboxMessage | None:
    """The dossier's full record as it is now (its last step), queued behind its other
    messages."""
    if dossier is None or event is None:
        return None
    payload = sync.snapshot(dossier, event)
    payload["full"] = True  # the portal's record is wrong or missing: DongBoHoSoMC
    payload["reconciliation"] = report.pk
    message = outbox.enqueue(
        sync.TOPIC,
        key=f"dvcqg:{dossier.code}:doisoat:{report.pk}",
        payload=payload,
        ordering_key=sync.ordering_key(dossier),
    )
    audit.record(
        "dvcqg.reconcile_resend",
        "dossier",
        dossier.code,
        data={"reconciliation": report.pk, "message": message.key},
    )
    return message


# --- schedule --------------------------------------------------------------------------------


def scheduled() -> str:
    """The worker's daily job (core.apps.register_schedules)."""
    if not settings.MOTCUA_DVCQG_URL:
        return "MOTCUA_DVCQG_URL chưa được cấu hình"
    report = run(trigger="lịch hằng ngày")
    return summary(report)


def schedule() -> None:
    jobs.schedule_daily(
        "motcua.dvcqg.reconcile.scheduled", SCHEDULE_NAME, settings.MOTCUA_DVCQG_RECONCILE_AT
    )


def summary(report: ReconciliationRun) -> str:
    text = (
        f"đối soát {report.period_start:%d/%m/%Y}–{report.period_end:%d/%m/%Y}: "
        f"{report.dossiers_local} hồ sơ tại Motcua, {report.dossiers_national} trên Cổng, "
        f"{report.days_differing}/{report.days_checked} ngày lệch, {report.differing} hồ sơ lệch, "
        f"{report.requeued} gửi lại; {report.seconds:.1f} giây"
    )
    return f"{text}; lỗi: {report.error}" if report.error else text
