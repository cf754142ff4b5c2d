"""The index read from the summary tables: units, periods, counts, scores, trend, peers,
the dossiers that cost points and the what-if. No page scans the dossiers table: the only
dossier queries are on the few still open (through the partial open-dossier indexes) and
the paged lists of dossiers an officer asked to see.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from motcua.catalog.models import Agency, Component, Procedure, ServiceCentre
from motcua.core.dates import BadDate, parse_month
from motcua.core.prepared import Prepared
from motcua.dossiers.models import AgencyMonthStats, Channel, Dossier, ReturnMethod, Status
from motcua.dossiers.stats import OPEN_AFTER_RECEIPT, SUPPLEMENTS_PER_STAGE, month_of
from motcua.serviceindex import formulas
from motcua.serviceindex.models import (
    GROUP_ORDER,
    DataFeed,
    Group,
    IndexMonthStats,
    Indicator,
    OpenDueCount,
)

PROGRESS_COUNTERS = ["received", "finished", "on_time", "late", "stopped", "withdrawn"]
PROGRESS_COUNTERS += ["closed_late"]
INDEX_COUNTERS = [
    "online",
    "returned",
    "returned_online",
    "payment_due",
    "paid_online",
    "rated",
    "rated_negative",
    "complained",
    "feedback",
    "feedback_on_time",
    "digitised",
    "digitised_results",
    "synced",
]
COUNTERS = [*PROGRESS_COUNTERS, "open_late", *INDEX_COUNTERS]
CATALOG_COUNTERS = ["procedures", "procedures_published"]


def zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def add_into(total: dict[str, int], other: dict[str, int]) -> dict[str, int]:
    for k, v in other.items():
        total[k] = total.get(k, 0) + v
    return total


# --- periods ------------------------------------------------------------------------------


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = next_month(m)
    return out


def shift_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # thang, quy, nam, tuy-chon
    first: dt.date  # first days of months, both included
    last: dt.date
    label: str

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.first, self.last)

    def query(self) -> dict[str, str]:
        """The GET parameters that give this period back."""
        if self.kind == "thang":
            return {"ky": "thang", "nam": str(self.first.year), "thang": str(self.first.month)}
        if self.kind == "quy":
            return {"ky": "quy", "nam": str(self.first.year), "quy": str(self.first.month // 3 + 1)}
        if self.kind == "nam":
            return {"ky": "nam", "nam": str(self.first.year)}
        return {"ky": "tuy-chon", "tu": f"{self.first:%Y-%m}", "den": f"{self.last:%Y-%m}"}


class PeriodError(ValueError):
    """A period asked for that does not exist; the message is for the user."""


def _int(params, name: str, low: int, high: int, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise PeriodError(f"Giá trị “{raw}” không hợp lệ.") from None
    if not low <= value <= high:
        raise PeriodError(f"Giá trị “{raw}” nằm ngoài khoảng cho phép ({low}–{high}).")
    return value


def _month(raw: str) -> dt.date:
    try:
        month = parse_month(raw)
    except BadDate as exc:
        raise PeriodError(f"Tháng “{raw}” không hợp lệ. {exc}") from None
    if not 2000 <= month.year <= 2100:
        raise PeriodError(f"Tháng “{raw}” nằm ngoài các năm có số liệu (2000–2100).")
    return month


def parse_period(params, today: dt.date | None = None) -> Period:
    """The period from GET parameters: ky=thang|quy|nam|tuy-chon with nam, thang, quy, or
    tu and den (mm/yyyy, or yyyy-mm). Without any: this year so far. Raises PeriodError."""
    today = today or timezone.localdate()
    kind = params.get("ky") or "nam"
    year = _int(params, "nam", 2000, 2100, today.year)
    if kind == "thang":
        month = _int(params, "thang", 1, 12, today.month)
        first = dt.date(year, month, 1)
        return Period(kind, first, first, f"Tháng {month:02d}/{year}")
    if kind == "quy":
        quarter = _int(params, "quy", 1, 4, (today.month - 1) // 3 + 1)
        first = dt.date(year, 3 * quarter - 2, 1)
        return Period(kind, first, shift_months(first, 2), f"Quý {quarter}/{year}")
    if kind == "nam":
        last = today.replace(day=1) if year == today.year else dt.date(year, 12, 1)
        return Period(kind, dt.date(year, 1, 1), last, f"Năm {year}")
    if kind == "tuy-chon":
        first = _month(params.get("tu", ""))
        last = _month(params.get("den", ""))
        if last < first:
            raise PeriodError("Tháng kết thúc phải sau hoặc trùng tháng bắt đầu.")
        if len(months_between(first, last)) > 60:
            raise PeriodError("Khoảng thời gian tối đa là 60 tháng.")
        return Period(kind, first, last, f"Từ {first:%m/%Y} đến {last:%m/%Y}")
    raise PeriodError("Loại kỳ không hợp lệ: chọn tháng, quý, năm hoặc tùy chọn.")


# --- units --------------------------------------------------------------------------------

KIND_LABELS = {
    "tinh": "Toàn tỉnh",
    "co-quan": "Sở, ban, ngành",
    "xa": "Cấp xã",
    "trung-tam": "Trung tâm phục vụ hành chính công",
}


@dataclass
class Unit:
    kind: str  # tinh, co-quan, xa, trung-tam
    pk: int
    name: str
    agency_ids: list[int]
    has_commune: bool = False  # commune procedures count for it

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def province() -> Unit:
    agencies = list(Agency.objects.values_list("id", "level"))
    return Unit(
        "tinh",
        0,
        "Toàn tỉnh",
        [a for a, _ in agencies],
        has_commune=any(level == Agency.Level.COMMUNE for _, level in agencies),
    )


def units_of_kind(kind: str) -> list[Unit]:
    """Every unit of a kind: the peers a unit is ranked among. (Rows as tuples: building
    model instances for every agency was most of a ranking's reading.)"""
    if kind == "tinh":
        return [province()]
    if kind == "co-quan":
        return [
            Unit("co-quan", pk, name, [pk], has_commune=level == Agency.Level.COMMUNE)
            for pk, name, level in Agency.objects.exclude(level=Agency.Level.COMMUNE).values_list(
                "id", "name", "level"
            )
        ]
    if kind == "xa":
        # The commune's name in the same rows (a join): a second query listed 175 ids.
        by_unit: dict[int, list[int]] = defaultdict(list)
        names: dict[int, str] = {}
        for pk, unit_id, name in Agency.objects.filter(level=Agency.Level.COMMUNE).values_list(
            "id", "unit_id", "unit__name"
        ):
            by_unit[unit_id].append(pk)
            names[unit_id] = name
        return [
            Unit("xa", u, names[u], ids, has_commune=True)
            for u, ids in sorted(by_unit.items(), key=lambda kv: names[kv[0]])
        ]
    if kind == "trung-tam":
        return _centres(ServiceCentre.objects.filter(is_active=True))
    return []


def _centres(centres) -> list[Unit]:
    """Service centres with the agencies they serve, in two queries of plain rows."""
    rows = list(centres.values_list("id", "name"))
    served: dict[int, list[tuple[int, str]]] = defaultdict(list)
    links = ServiceCentre.agencies.through.objects.filter(servicecentre_id__in=[r[0] for r in rows])
    for centre, agency, level in links.order_by("agency__identifier").values_list(
        "servicecentre_id", "agency_id", "agency__level"
    ):
        served[centre].append((agency, level))
    return [
        Unit(
            "trung-tam",
            pk,
            name,
            [a for a, _ in served[pk]],
            has_commune=any(level == Agency.Level.COMMUNE for _, level in served[pk]),
        )
        for pk, name in rows
    ]


def get_unit(kind: str, pk: int) -> Unit | None:
    if kind == "tinh":
        return province()
    if kind == "co-quan":
        row = Agency.objects.filter(pk=pk).values_list("name", "level").first()
        if row is None:
            return None
        return Unit("co-quan", pk, row[0], [pk], has_commune=row[1] == Agency.Level.COMMUNE)
    if kind == "xa":
        # The commune's agencies with its name (a join): one query.
        rows = list(
            Agency.objects.filter(level=Agency.Level.COMMUNE, unit_id=pk).values_list(
                "id", "unit__name"
            )
        )
        name = rows[0][1] if rows else None
        return Unit("xa", pk, name, [a for a, _ in rows], has_commune=True) if name else None
    if kind == "trung-tam":
        return next(iter(_centres(ServiceCentre.objects.filter(is_active=True, pk=pk))), None)
    return None


# --- counts -------------------------------------------------------------------------------


def visible_units(user, policy) -> list[Unit]:
    """The units `policy` (serviceindex.policy, or a page's own with the same two
    functions) lets the user open: every unit, or the user's own."""
    if policy.sees_everything(user):
        units = [province()]
        for kind in ("co-quan", "xa", "trung-tam"):
            units += units_of_kind(kind)
        return units
    return [u for k, pk in policy.own_units(user) if (u := get_unit(k, pk))]


def unit_at(kind: str, pk: int) -> Unit | None:
    """The unit a page's address names (`tinh` has no id of its own), or None."""
    if kind not in KIND_LABELS:
        return None
    return get_unit(kind, pk if kind != "tinh" else 0)


def late_q(now: dt.datetime) -> Q:
    """dossiers.stats.is_on_time negated, in SQL, for received dossiers (annotate `due`)."""
    end_past_due = Q(paused_at__isnull=False, paused_at__gt=F("due")) | Q(
        paused_at__isnull=True, finished_at__isnull=False, finished_at__gt=F("due")
    )
    return (
        Q(due__isnull=True)
        | Q(intake_supplement_count__gt=1)
        | Q(appraisal_supplement_count__gt=1)
        | end_past_due
        | Q(paused_at__isnull=True, finished_at__isnull=True, due__lt=now)
    )


def _in_range(qs, first: dt.date, last: dt.date):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(next_month(last), dt.time(), tzinfo=tz)
    return qs.filter(received_at__gte=start, received_at__lt=end)


def with_due(qs):
    return qs.annotate(due=Coalesce("on_time_due_at", "original_due_at"))


def running_open(qs):
    """Open dossiers whose clock runs: the ones that turn late when their appointment passes
    (tracking.due_bucket gives them a due day). The filter is the predicate of the partial
    index dossiers_open_running_due, written the same way so that PostgreSQL uses it."""
    return with_due(
        qs.filter(
            status__in=OPEN_AFTER_RECEIPT,
            paused_at__isnull=True,
            finished_at__isnull=True,
            intake_supplement_count__lte=SUPPLEMENTS_PER_STAGE,
            appraisal_supplement_count__lte=SUPPLEMENTS_PER_STAGE,
        )
    )


def day_start(now: dt.datetime) -> dt.datetime:
    """Local midnight of `now`'s day: OpenDueCount's rows before it are late as a whole."""
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(timezone.localtime(now, tz).date(), dt.time(), tzinfo=tz)


def _due_today_passed(first: dt.date, last: dt.date, now: dt.datetime):
    """The dossiers of today's due-day rows whose appointment has passed already (between
    local midnight and now): a few, through the partial index."""
    qs = running_open(_in_range(Dossier.objects.all(), first, last))
    return qs.filter(due__gte=day_start(now), due__lt=now)


PassedRows = list[tuple[int, dt.date, int]]


def due_today_passed_rows(
    agency_ids: Iterable[int] | None, first: dt.date, last: dt.date, now: dt.datetime
) -> PassedRows:
    """(agency, month of receipt, dossiers) of _due_today_passed: one small query that
    every grouping a page asks of month_counts is added up from (Context.passed_rows)."""
    qs = _due_today_passed(first, last, now)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    qs = qs.annotate(month=TruncMonth("received_at", output_field=DateField()))
    return list(qs.values_list("agency_id", "month").annotate(n=Count("id")).order_by())


def month_counts(
    agency_ids: Iterable[int] | None,
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
    by: tuple[str, ...] = ("agency_id", "month"),
    passed: PassedRows | None = None,
) -> dict[tuple, dict[str, int]]:
    """Counters summed in the database, grouped by `by` (agency_id, month, both or none;
    the key is the tuple of those values): the month summaries, and the open dossiers
    whose appointment has passed (the live part of the progress indicator), exact at `now`:
    OpenDueCount's rows due before today (in the same statement), and today's dossiers due
    before now (through the partial index; `passed`: those rows read already, at `now`,
    for these agencies and months or more)."""
    now = now or timezone.now()
    ids = None if agency_ids is None else list(agency_ids)
    out: dict[tuple, dict[str, int]] = defaultdict(zero)
    today = timezone.localtime(now).date()
    sql, params = _summary_sql(ids, first, last, today, by)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(by)
    month = by.index("month") if "month" in by else None
    for row in rows:
        if row[width] is None:
            continue  # no row at all (an aggregate without GROUP BY)
        key = row[:width]
        if month is not None:
            key = (*key[:month], _date(key[month]), *key[month + 1 :])
        # One row per key (GROUP BY), every sum an integer (cast in the SQL).
        out[key] = dict(zip(SUMMED_COUNTERS, row[width:], strict=True))
    if passed is None:
        passed = due_today_passed_rows(ids, first, last, now)
    wanted = None if ids is None else set(ids)
    for agency, m, n in passed:
        if first <= m <= last and (wanted is None or agency in wanted):
            out[tuple(agency if k == "agency_id" else m for k in by)]["open_late"] += n
    return out


# The three summaries in one statement (one round trip, no ORM per table): each table's
# rows give their own columns and 0 for the others, summed together.
SUMMED_COUNTERS = [*PROGRESS_COUNTERS, *INDEX_COUNTERS, "open_late"]
_SUMMARIES = [
    (AgencyMonthStats, {c: c for c in PROGRESS_COUNTERS}, ""),
    (IndexMonthStats, {c: c for c in INDEX_COUNTERS}, ""),
    (OpenDueCount, {"open_late": "count"}, "due_day < %s"),  # due before today: late
]


def _summary_sql(ids, first, last, today, by) -> tuple[str, list]:
    q = connection.ops.quote_name
    keys = [q(k) for k in by]
    parts, params = [], []
    for model, columns, extra in _SUMMARIES:
        # Summed per table first: the outer sum adds a few hundred rows, and PostgreSQL
        # sees no big Append worth parallel workers (their start cost more than the sum).
        select = [
            *keys,
            *(
                f"{f'SUM({q(columns[c])})' if c in columns else '0'} AS {q(c)}"
                for c in SUMMED_COUNTERS
            ),
        ]
        where = [f"{q('month')} >= %s", f"{q('month')} <= %s"]
        params += [first, last]
        if extra:
            where.append(extra)
            params.append(today)
        if ids is not None:
            where.append(f"{q('agency_id')} IN ({', '.join(['%s'] * len(ids)) or 'NULL'})")
            params += ids
        parts.append(
            f"SELECT {', '.join(select)} FROM {q(model._meta.db_table)} "  # noqa: S608 - names from models
            f"WHERE {' AND '.join(where)}" + (f" GROUP BY {', '.join(keys)}" if keys else "")
        )
    # As integers: PostgreSQL sums bigints as numeric, which the driver reads as Decimal.
    sums = ", ".join(f"CAST(SUM({q(c)}) AS BIGINT)" for c in SUMMED_COUNTERS)
    sql = f"SELECT {', '.join([*keys, sums])} FROM ({' UNION ALL '.join(parts)}) AS t"  # noqa: S608
    if keys:
        sql += f" GROUP BY {', '.join(keys)}"
    return sql, params


def _date(value) -> dt.date:
    """A month as the database returns it (SQLite: text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@dataclass
class CatalogCounts:
    by_agency: dict[int, dict[str, int]]
    commune: dict[str, int]  # commune-level procedures (every commune carries them out)

    def for_unit(self, unit: Unit) -> dict[str, int]:
        total = dict.fromkeys(CATALOG_COUNTERS, 0)
        if unit.kind == "tinh":
            for counts in self.by_agency.values():
                add_into(total, counts)
            return add_into(total, self.commune)
        for pk in unit.agency_ids:
            add_into(total, self.by_agency.get(pk, {}))
        if unit.has_commune:
            add_into(total, self.commune)
        return total


def catalog_rows():
    """(agency, active procedures, published in full) per agency; agency None: the
    commune-level catalogue, which every commune carries out."""
    published = ~Q(legal_basis="") & Q(has_components=True)
    return (
        Procedure.objects.filter(is_active=True)
        .annotate(has_components=Exists(Component.objects.filter(procedure=OuterRef("pk"))))
        .values_list("agency_id")
        .annotate(procedures=Count("id"), procedures_published=Count("id", filter=published))
        .order_by()
    )


def catalog_counts() -> CatalogCounts:
    by_agency, commune = {}, dict.fromkeys(CATALOG_COUNTERS, 0)
    for agency_id, procedures, published in _CATALOG.all():
        counts = {"procedures": procedures, "procedures_published": published}
        if agency_id is None:
            add_into(commune, counts)
        else:
            by_agency[agency_id] = counts
    return CatalogCounts(by_agency, commune)


# Read by every page of the index: compiled once per process (core.prepared).
_FEEDS = Prepared("serviceindex.feeds", lambda: DataFeed.objects.values_list("key", flat=True))
_INDICATORS = Prepared("serviceindex.indicators", lambda: Indicator.objects.filter(is_active=True))
_CATALOG = Prepared("serviceindex.catalog", lambda: catalog_rows())


def available_feeds() -> set[str]:
    return set(_FEEDS.all())


def active_indicators() -> list[Indicator]:
    return _INDICATORS.all()


# --- scores -------------------------------------------------------------------------------

NO_DATA = "Không có dữ liệu"


@dataclass
class Result:
    indicator: Indicator
    rate: float | None
    points: Decimal | None
    reason: str = ""  # why there is no number

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(self.rate * 100, 2)


@dataclass
class GroupScore:
    group: str
    label: str
    max_points: Decimal = Decimal(0)
    points: Decimal | None = None
    max_with_data: Decimal = Decimal(0)
    results: list[Result] = field(default_factory=list)


@dataclass
class Scorecard:
    results: list[Result]
    groups: list[GroupScore]
    counts: dict[str, int]

    # Cached: a card does not change once computed, and a ranking reads them many times.
    @cached_property
    def points(self) -> Decimal | None:
        scored = [r.points for r in self.results if r.points is not None]
        return sum(scored, Decimal(0)) if scored else None

    @cached_property
    def max_points(self) -> Decimal:
        return sum((r.indicator.max_points for r in self.results), Decimal(0))

    @cached_property
    def max_with_data(self) -> Decimal:
        return sum(
            (r.indicator.max_points for r in self.results if r.points is not None), Decimal(0)
        )

    @cached_property
    def percent(self) -> float | None:
        """Points earned over the points of the indicators with data: how units with
        different data compare (rank)."""
        if self.points is None or not self.max_with_data:
            return None
        return round(float(self.points / self.max_with_data) * 100, 2)

    def result(self, code: str) -> Result | None:
        return next((r for r in self.results if r.indicator.code == code), None)


def evaluate(indicator: Indicator, counts: dict[str, int], feeds: set[str]) -> Result:
    formula = formulas.FORMULAS.get(indicator.formula)
    if formula is None:
        return Result(indicator, None, None, "Công thức chưa được hỗ trợ")
    if formula.feed is not None and formula.feed not in feeds:
        return Result(indicator, None, None, "Chưa có nguồn dữ liệu")
    try:
        rate = formula.function(counts)
    except KeyError:  # a counter Motcua does not keep yet
        return Result(indicator, None, None, "Chưa có nguồn dữ liệu")
    if rate is None:
        return Result(indicator, None, None, "Không có hồ sơ trong kỳ")
    return Result(indicator, rate, formulas.points(rate, indicator.max_points, indicator.full_at))


GROUP_LABELS = {g.value: g.label for g in Group}


def scorecard(counts: dict[str, int], indicators: list[Indicator], feeds: set[str]) -> Scorecard:
    results = [evaluate(i, counts, feeds) for i in indicators]
    groups = {g: GroupScore(g, GROUP_LABELS[g]) for g in GROUP_ORDER}
    for r in results:
        g = groups[r.indicator.group]
        g.results.append(r)
        g.max_points += r.indicator.max_points
        if r.points is not None:
            g.points = (g.points or Decimal(0)) + r.points
            g.max_with_data += r.indicator.max_points
    return Scorecard(results, [g for g in groups.values() if g.results], counts)


@dataclass
class Context:
    """What every computation of a page shares: read once per request."""

    indicators: list[Indicator]
    feeds: set[str]
    catalog: CatalogCounts
    now: dt.datetime
    # due_today_passed_rows read so far: (agency ids or None, first, last) -> rows
    _passed: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, now: dt.datetime | None = None) -> Context:
        return cls(active_indicators(), available_feeds(), catalog_counts(), now or timezone.now())

    def passed_rows(
        self, agency_ids: Iterable[int] | None, first: dt.date, last: dt.date
    ) -> PassedRows:
        """Today's dossiers due before `now`, by agency and month: read once for a page
        (rows read for more agencies or months answer too; month_counts keeps its own)."""
        ids = None if agency_ids is None else frozenset(agency_ids)
        for (have, f, la), rows in self._passed.items():
            if f <= first and last <= la and (have is None or (ids is not None and ids <= have)):
                return rows
        rows = self._passed[(ids, first, last)] = due_today_passed_rows(ids, first, last, self.now)
        return rows

    def passed_count(self, agency_ids: Iterable[int] | None, first: dt.date, last: dt.date) -> int:
        wanted = None if agency_ids is None else set(agency_ids)
        return sum(
            n
            for agency, m, n in self.passed_rows(agency_ids, first, last)
            if first <= m <= last and (wanted is None or agency in wanted)
        )


def unit_counts(unit: Unit, period: Period, ctx: Context) -> dict[str, int]:
    ids = None if unit.kind == "tinh" else unit.agency_ids
    passed = ctx.passed_rows(ids, period.first, period.last)
    rows = month_counts(ids, period.first, period.last, ctx.now, by=(), passed=passed)
    return add_into(rows.get((), zero()), ctx.catalog.for_unit(unit))


def trend_first(last: dt.date, months: int = 12) -> dt.date:
    return shift_months(last, -(months - 1))


def unit_scorecard(unit: Unit, period: Period, ctx: Context) -> Scorecard:
    return scorecard(unit_counts(unit, period, ctx), ctx.indicators, ctx.feeds)


def _trend_cards(
    by_month: dict[dt.date, dict[str, int]], first: dt.date, last: dt.date, catalog, ctx: Context
) -> list[tuple[dt.date, Scorecard | None]]:
    return [
        (
            m,
            scorecard(add_into(dict(by_month[m]), catalog), ctx.indicators, ctx.feeds)
            if m in by_month and by_month[m]["received"]
            else None,
        )
        for m in months_between(first, last)
    ]


def trend(
    unit: Unit, last: dt.date, ctx: Context, months: int = 12
) -> list[tuple[dt.date, Scorecard]]:
    """The unit's score month by month, for the `months` months ending with `last`."""
    first = trend_first(last, months)
    ids = None if unit.kind == "tinh" else unit.agency_ids
    rows = month_counts(
        ids, first, last, ctx.now, by=("month",), passed=ctx.passed_rows(ids, first, last)
    )
    by_month = {month: counts for (month,), counts in rows.items()}
    return _trend_cards(by_month, first, last, ctx.catalog.for_unit(unit), ctx)


@dataclass
class Score:
    """A unit's total without the detail by group and indicator: what a ranking compares
    (the same evaluate() as a Scorecard, for 175 communes at once)."""

    points: Decimal | None
    max_with_data: Decimal

    @cached_property
    def percent(self) -> float | None:
        if self.points is None or not self.max_with_data:
            return None
        return round(float(self.points / self.max_with_data) * 100, 2)


class Scorer:
    """evaluate() summed over the indicators, for many units at once (a ranking of 175
    communes): what does not depend on the counts (the formula, whether its feed is
    connected) is decided once, and no Result is built. tests/serviceindex/test_ranking.py
    checks it equal to the scorecard for random counts."""

    def __init__(self, indicators: list[Indicator], feeds: set[str]):
        self.parts = []
        for indicator in indicators:
            formula = formulas.FORMULAS.get(indicator.formula)
            if formula is None or (formula.feed is not None and formula.feed not in feeds):
                continue  # evaluate(): no number, whatever the counts
            weight, full = formulas.cents(indicator.max_points), formulas.cents(indicator.full_at)
            self.parts.append(
                (formula.function, indicator.max_points, indicator.full_at, weight, full)
            )
        # Points in whole cents (formulas.points_cents), summed as integers: the Decimal
        # sum exactly. Weights or thresholds with finer digits: the Decimals themselves.
        self._cents = all(w is not None and f for *_, w, f in self.parts)
        # Many units share a rate (the commune catalogue's, 0 and 100 %): its points once.
        self._points = functools.cache(formulas.points)

    def __call__(self, counts: dict[str, int]) -> Score:
        if not self._cents:
            return self._decimal(counts)
        earned, possible, scored = 0, 0, False
        for function, max_points, full_at, weight, full in self.parts:
            try:
                rate = function(counts)
            except KeyError:  # a counter Motcua does not keep yet
                continue
            if rate is not None:
                cents = formulas.points_cents(rate, weight, full)
                if cents is None:  # on a half cent: the Decimal arithmetic decides
                    cents = int(self._points(rate, max_points, full_at) * 100)
                earned += cents
                possible += weight
                scored = True
        return Score(Decimal(earned).scaleb(-2) if scored else None, Decimal(possible).scaleb(-2))

    def _decimal(self, counts: dict[str, int]) -> Score:
        points, max_with_data, scored = Decimal(0), Decimal(0), False
        for function, max_points, full_at, _, _ in self.parts:
            try:
                rate = function(counts)
            except KeyError:  # a counter Motcua does not keep yet
                continue
            if rate is not None:
                points += self._points(rate, max_points, full_at)
                max_with_data += max_points
                scored = True
        return Score(points if scored else None, max_with_data)


@dataclass
class Ranked:
    unit: Unit
    card: Score
    rank: int | None


def peers(unit: Unit, period: Period, ctx: Context) -> list[Ranked]:
    """Every unit of the same kind, best first; units with no data at the end, unranked."""
    units = units_of_kind(unit.kind)
    passed = ctx.passed_rows(None, period.first, period.last)
    rows = month_counts(None, period.first, period.last, ctx.now, by=("agency_id",), passed=passed)
    by_agency = {agency: counts for (agency,), counts in rows.items()}
    cards = []
    scorer = Scorer(ctx.indicators, ctx.feeds)
    for u in units:
        if len(u.agency_ids) == 1:  # most units (a commune, a department): a copy
            total = {**zero(), **by_agency.get(u.agency_ids[0], {})}
        else:
            total = zero()
            for pk in u.agency_ids:
                add_into(total, by_agency.get(pk, {}))
        add_into(total, ctx.catalog.for_unit(u))
        card = scorer(total)
        cards.append((card.percent, u, card))
    cards.sort(key=lambda puc: (puc[0] is None, -(puc[0] or 0), puc[1].name))
    return [
        Ranked(u, c, i + 1 if percent is not None else None)
        for i, (percent, u, c) in enumerate(cards)
    ]


@dataclass
class Dashboard:
    card: Scorecard
    trend: list[tuple[dt.date, Scorecard | None]]
    ranked: list[Ranked]  # empty for the province (no peers)


def dashboard(unit: Unit, period: Period, ctx: Context, months: int = 12) -> Dashboard:
    """A dashboard's numbers: one read of the summaries by month over the trend's months
    and the period's (the unit's card is the sum of its period's months), and one by agency
    for the ranking among units of the same kind."""
    first = trend_first(period.last, months)
    ids = None if unit.kind == "tinh" else unit.agency_ids
    start = min(first, period.first)
    if unit.kind != "tinh":
        # The ranking reads every agency's: one read of today's passed dossiers for both.
        ctx.passed_rows(None, start, period.last)
    passed = ctx.passed_rows(ids, start, period.last)
    rows = month_counts(ids, start, period.last, ctx.now, by=("month",), passed=passed)
    by_month = {month: counts for (month,), counts in rows.items()}
    catalog = ctx.catalog.for_unit(unit)
    total = zero()
    for m in period.months:
        add_into(total, by_month.get(m, {}))
    return Dashboard(
        card=scorecard(add_into(total, catalog), ctx.indicators, ctx.feeds),
        trend=_trend_cards(by_month, first, period.last, catalog, ctx),
        ranked=peers(unit, period, ctx) if unit.kind != "tinh" else [],
    )


# --- the dossiers that cost points, and the what-if ---------------------------------------

LOSS_RULES = {
    "on_time": "Hồ sơ trễ hạn: giải quyết, dừng, rút sau hẹn hoặc đang xử lý đã quá hạn",
    "satisfaction": "Hồ sơ trễ hạn (trừ vào mức độ hài lòng)",
    "online": "Hồ sơ nộp trực tiếp hoặc qua bưu chính",
    "electronic_result": "Hồ sơ đã trả kết quả nhưng không trả kết quả điện tử",
}


def losing_dossiers(unit: Unit, period: Period, indicator: Indicator, now: dt.datetime):
    """The dossiers of the unit and period that cost the indicator points (a queryset, to
    be paged), or None when the indicator is not about single dossiers."""
    qs = _in_range(Dossier.objects.all(), period.first, period.last)
    if unit.kind != "tinh":
        qs = qs.filter(agency_id__in=unit.agency_ids)
    if indicator.formula in ("on_time", "satisfaction"):
        qs = with_due(qs).filter(late_q(now))
    elif indicator.formula == "online":
        qs = qs.exclude(channel=Channel.ONLINE)
    elif indicator.formula == "electronic_result":
        qs = qs.filter(status=Status.RETURNED).exclude(return_method=ReturnMethod.ONLINE)
    else:
        return None
    # Only what the list shows: a dossier row has some fifty columns.
    return (
        qs.select_related("procedure", "agency")
        .only("code", "status", "received_at", "procedure__name", "agency__name")
        .order_by("-received_at", "-id")
    )


def losing_count(indicator: Indicator, counts: dict[str, int]) -> int | None:
    """How many dossiers losing_dossiers lists, from the summary counters (never a COUNT
    over the dossiers); None when the indicator is not about single dossiers."""
    if indicator.formula in ("on_time", "satisfaction"):
        return formulas.counted_late(counts)
    if indicator.formula == "online":
        return counts["received"] - counts["online"]
    if indicator.formula == "electronic_result":
        return counts["returned"] - counts["returned_online"]
    return None


@dataclass
class LosingPage:
    dossiers: list[Dossier]
    total: int
    next_after: int | None  # the id to continue after, None on the last page
    first: bool  # the first page (no cursor)


def losing_page(qs, total: int, after: int | None, size: int = 25) -> LosingPage:
    """One page of losing_dossiers, newest received first, continuing after the dossier
    `after` (keyset on received_at, id: every page costs the same, however deep)."""
    if after is not None:
        mark = qs.model.objects.filter(pk=after).values_list("received_at", flat=True).first()
        if mark is not None:
            qs = qs.filter(received_at__lte=mark).exclude(received_at=mark, id__gte=after)
    rows = list(qs[: size + 1])
    return LosingPage(
        dossiers=rows[:size],
        total=total,
        next_after=rows[size - 1].pk if len(rows) > size else None,
        first=after is None,
    )


@dataclass
class WhatIf:
    at_risk: list[Dossier]  # open, clock running, counted on time now, due within the horizon
    at_risk_total: int
    already_late: int  # open and past the appointment: counted late, whatever happens
    current: Scorecard
    if_late: Scorecard  # the at-risk ones miss their appointment
    horizon_days: int
    horizon_end: dt.datetime  # the end of the horizon's last day


def what_if(
    unit: Unit,
    period: Period,
    ctx: Context,
    horizon_days: int = 7,
    counts: dict[str, int] | None = None,
) -> WhatIf:
    """Open dossiers still counted on time, their clock running, whose appointment falls
    before the end of the day `horizon_days` days from today: finished on time, the score
    stays as it is now; late, it becomes if_late. (Those waiting for the applicant have a
    stopped clock: they cannot turn late while they wait.) The total is OpenDueCount's rows
    of those days less today's already passed, exact like the open-and-late count."""
    counts = counts if counts is not None else unit_counts(unit, period, ctx)
    today = timezone.localtime(ctx.now).date()
    last_day = today + dt.timedelta(days=horizon_days)
    ids = None if unit.kind == "tinh" else unit.agency_ids
    rows = OpenDueCount.objects.filter(
        month__gte=period.first, month__lte=period.last, due_day__gte=today, due_day__lte=last_day
    )
    if ids is not None:
        rows = rows.filter(agency_id__in=ids)
    # The same dossiers as the open-and-late count's (read once for the page).
    passed = ctx.passed_count(ids, period.first, period.last)
    at_risk_total = (rows.aggregate(n=Sum("count"))["n"] or 0) - passed
    tz = timezone.get_current_timezone()
    horizon_end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    soon = running_open(_in_range(Dossier.objects.all(), period.first, period.last)).filter(
        due__gte=ctx.now, due__lt=horizon_end
    )
    if ids is not None:
        soon = soon.filter(agency_id__in=ids)
    worse = dict(counts, open_late=counts["open_late"] + at_risk_total)
    return WhatIf(
        at_risk=list(
            soon.select_related("procedure")
            .only("code", "procedure__name", "on_time_due_at", "original_due_at")
            .order_by("due", "id")[:20]
        ),
        at_risk_total=at_risk_total,
        already_late=counts["open_late"],
        current=scorecard(counts, ctx.indicators, ctx.feeds),
        if_late=scorecard(worse, ctx.indicators, ctx.feeds),
        horizon_days=horizon_days,
        horizon_end=horizon_end,
    )


def current_month() -> dt.date:
    return month_of(timezone.now())


def summed(rows: Iterable[dict[str, int]]) -> dict[str, int]:
    total = zero()
    for r in rows:
        add_into(total, r)
    return total
