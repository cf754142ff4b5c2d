"""The report's numbers for a unit and a period, from the summary tables (tracking.py) and
the few dossiers still open; the late list from ReportLateDossier. No query here scans the
year's dossiers.

Per row (a field, lĩnh vực, or an agency), for a period [first month, last month]:
  carried  = received before the period − solved before it − closed before it (exact:
             every fact is counted in the month it happened);
  received = carried + received in the period (online; at the desk or by post);
  solved   = results issued in the period: before the appointment's day, on it, late;
  closed   = stopped or withdrawn in the period (not in the form's columns: shown apart,
             so that received = solved + closed + in progress holds);
  in progress at the end = received − solved − closed, of which overdue: those whose
             appointment had passed at the end of the period (ended later, or still open;
             for the period under way, those whose appointment has passed now).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, DateTimeField, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from motcua.catalog.models import AdministrativeUnit, Agency, Field, Procedure
from motcua.core.collation import sort_key as _sort_key
from motcua.core.text import vnd
from motcua.dossiers.models import Dossier, Event
from motcua.dossiers.stats import OPEN_AFTER_RECEIPT
from motcua.reports.models import PeriodKind, ReportLateDossier, ReportMonthStats
from motcua.serviceindex.selectors import (
    Period,
    PeriodError,
    Unit,
    next_month,
    parse_period,
    shift_months,
)

__all__ = ["Period", "PeriodError", "Unit", "parse", "previous_period", "build"]

GROUPINGS = {"linh-vuc": "Theo lĩnh vực", "don-vi": "Theo cơ quan, đơn vị"}
FORM_NUMBERS = {"linh-vuc": "Biểu số 06a/VPCP/KSTT", "don-vi": "Biểu số 06b/VPCP/KSTT"}
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
PLACE_PREFIX = re.compile(r"^(tỉnh|thành phố)\s+", re.IGNORECASE)
# Rows of the late list in one file: a province's year can have hundreds of thousands; the
# form's columns (10) and (13) count every one of them, and each agency's own report lists
# its own. In the order they ended, so a cut list is the period's first ones, read off an
# index (never a sort of the whole year's late dossiers).
LATE_LIMIT = 5_000
SOLVED_LATE = "Giải quyết quá hạn"
OVERDUE = "Đang giải quyết quá hạn tại thời điểm cuối kỳ"


# --- periods ----------------------------------------------------------------------------


def parse(params, today: dt.date | None = None) -> Period:
    """serviceindex.parse_period, plus the half-year (ky=6-thang, nam, nua=1|2); a period
    that has not begun is refused. Raises PeriodError (a message for the user)."""
    today = today or timezone.localdate()
    if params.get("ky") == PeriodKind.HALF:
        year = _int(params.get("nam"), 2000, 2100, today.year)
        half = _int(params.get("nua"), 1, 2, 1 if today.month <= 6 else 2)
        first = dt.date(year, 6 * half - 5, 1)
        label = f"6 tháng {'đầu' if half == 1 else 'cuối'} năm {year}"
        period = Period(PeriodKind.HALF, first, shift_months(first, 5), label)
    else:
        period = parse_period(params, today)
    if period.first > today.replace(day=1):
        raise PeriodError("Kỳ báo cáo chưa bắt đầu: chọn một kỳ đã qua hoặc đang diễn ra.")
    return period


def _int(raw, low: int, high: int, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise PeriodError(f"Giá trị “{raw}” không hợp lệ.") from None
    if not low <= value <= high:
        raise PeriodError(f"Giá trị “{raw}” nằm ngoài khoảng cho phép ({low}–{high}).")
    return value


def previous_period(kind: str, today: dt.date) -> Period:
    """The last whole period of a kind before `today` (what a schedule reports on)."""
    month = today.replace(day=1)
    if kind == PeriodKind.MONTH:
        first = shift_months(month, -1)
        return parse({"ky": "thang", "nam": first.year, "thang": first.month}, today)
    if kind == PeriodKind.QUARTER:
        first = shift_months(month, -((month.month - 1) % 3) - 3)
        return parse({"ky": "quy", "nam": first.year, "quy": (first.month - 1) // 3 + 1}, today)
    if kind == PeriodKind.HALF:
        first = shift_months(month, -((month.month - 1) % 6) - 6)
        half = 1 if first.month == 1 else 2
        return parse({"ky": "6-thang", "nam": first.year, "nua": half}, today)
    if kind == PeriodKind.YEAR:
        return parse({"ky": "nam", "nam": today.year - 1}, today)
    raise PeriodError("Loại kỳ không hợp lệ.")


def period_dates(period: Period) -> str:
    end = next_month(period.last) - dt.timedelta(days=1)
    return f"từ ngày {period.first:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


# --- the data ---------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    carried: int = 0
    received_online: int = 0
    received_direct: int = 0
    solved_early: int = 0
    solved_on_time: int = 0
    solved_late: int = 0
    closed: int = 0
    returned: int = 0
    open_overdue: int = 0

    @property
    def received_new(self) -> int:
        return self.received_online + self.received_direct

    @property
    def received(self) -> int:
        return self.carried + self.received_new

    @property
    def solved(self) -> int:
        return self.solved_early + self.solved_on_time + self.solved_late

    @property
    def in_progress(self) -> int:
        return self.received - self.solved - self.closed

    @property
    def in_progress_on_time(self) -> int:
        return self.in_progress - self.open_overdue

    @property
    def is_empty(self) -> bool:
        return not (self.received or self.solved or self.closed or self.returned)

    def values(self) -> list[int]:
        """The numbers in the order of COLUMNS."""
        return [getattr(self, c) for c, _ in COLUMNS]

    def texts(self) -> list[str]:
        """values() as printed: thousands grouped with a dot, the Vietnamese way."""
        return [vnd(v) for v in self.values()]  # the project's one grouping (core.text)

    def add(self, other: Row) -> None:
        for name in RAW:
            setattr(self, name, getattr(self, name) + getattr(other, name))


RAW = (
    "carried",
    "received_online",
    "received_direct",
    "solved_early",
    "solved_on_time",
    "solved_late",
    "closed",
    "returned",
    "open_overdue",
)
# (attribute, heading) of the numeric columns, numbered (3)... in the form.
COLUMNS = [
    ("received", "Tổng số"),
    ("carried", "Từ kỳ trước chuyển sang"),
    ("received_online", "Mới tiếp nhận trực tuyến"),
    ("received_direct", "Mới tiếp nhận trực tiếp, qua bưu chính"),
    ("solved", "Tổng số"),
    ("solved_early", "Trước hạn"),
    ("solved_on_time", "Đúng hạn"),
    ("solved_late", "Quá hạn"),
    ("in_progress", "Tổng số"),
    ("in_progress_on_time", "Trong hạn"),
    ("open_overdue", "Quá hạn"),
    ("closed", "Dừng xử lý, rút hồ sơ"),
    ("returned", "Đã trả kết quả"),
]
# Column groups of the header's first line: (heading, span).
GROUPS = [
    ("Số hồ sơ nhận giải quyết", 4),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số hồ sơ đang giải quyết", 3),
    ("Ghi chú số liệu", 2),
]


@dataclass
class LateItem:
    code: str
    agency: str
    field: str
    procedure: str
    received_at: dt.datetime
    due_at: dt.datetime | None
    ended_at: dt.datetime | None
    situation: str
    explanation: str


@dataclass
class Report:
    unit: Unit
    unit_name: str
    upper_name: str  # the line above the unit in the header
    period: Period
    grouping: str
    rows: list[Row]
    total: Row
    late: list[LateItem] = field(default_factory=list)
    late_total: int = 0
    made_at: dt.datetime = field(default_factory=timezone.now)
    place: str = ""  # the date line's place: the province's name without "Tỉnh"

    @property
    def form_number(self) -> str:
        return FORM_NUMBERS[self.grouping]

    @property
    def title(self) -> str:
        return TITLE

    @property
    def period_text(self) -> str:
        return f"Kỳ báo cáo: {self.period.label} ({period_dates(self.period)})"

    @property
    def late_missing(self) -> int:
        return self.late_total - len(self.late)

    @property
    def date_line(self) -> str:
        d = timezone.localtime(self.made_at)
        return f"{self.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"

    @property
    def grouping_label(self) -> str:
        return "Lĩnh vực giải quyết" if self.grouping == "linh-vuc" else "Cơ quan, đơn vị"


def _province_name() -> str:
    return (
        AdministrativeUnit.objects.filter(parent=None).values_list("name", flat=True).first()
        or "Tỉnh"
    )


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(period.first, dt.time(), tzinfo=tz),
        dt.datetime.combine(next_month(period.last), dt.time(), tzinfo=tz),
    )


def _open_now(unit: Unit, end: dt.datetime):
    """The dossiers still open that were received before `end` and overdue at it; for a
    period not over yet, overdue now: one due next week is not late (it was counted so,
    112,000 of 123,000 open in the province's current quarter, and the count took 3 s)."""
    qs = Dossier.objects.filter(status__in=OPEN_AFTER_RECEIPT, received_at__lt=end)
    if unit.kind != "tinh":
        qs = qs.filter(agency_id__in=unit.agency_ids)
    return qs.annotate(
        due=Coalesce("on_time_due_at", "original_due_at", output_field=DateTimeField())
    ).filter(due__lt=min(end, timezone.now()))


def rows_for(unit: Unit, period: Period, grouping: str = "linh-vuc") -> list[Row]:
    """One row per field (or agency) with something to show, in Vietnamese order."""
    key = "field_id" if grouping == "linh-vuc" else "agency_id"
    first, last = period.first, period.last
    before = Q(month__lt=first)
    inside = Q(month__gte=first, month__lte=last)
    qs = ReportMonthStats.objects.filter(month__lte=last)
    if unit.kind != "tinh":
        qs = qs.filter(agency_id__in=unit.agency_ids)
    sums = (
        qs.values(key)
        .annotate(
            carried=Sum(
                F("received_online")
                + F("received_direct")
                - F("solved_early")
                - F("solved_on_time")
                - F("solved_late")
                - F("closed"),
                filter=before,
            ),
            overdue=Sum(F("overdue_from") - F("overdue_until")),
            **{
                c: Sum(c, filter=inside)
                for c in (
                    "received_online",
                    "received_direct",
                    "solved_early",
                    "solved_on_time",
                    "solved_late",
                    "closed",
                    "returned",
                )
            },
        )
        .order_by()
    )
    by_key: dict[int, Row] = {}
    for r in sums:
        row = by_key[r[key]] = Row("")
        for name in RAW:
            source = "overdue" if name == "open_overdue" else name
            setattr(row, name, r[source] or 0)
    _, end = _bounds(period)
    open_key = "procedure__field_id" if grouping == "linh-vuc" else "agency_id"
    # COUNT(*), not of the id: the partial index dossiers_open_received holds every column
    # read (the procedure too, for the split by field), so this is an index-only scan (25 k
    # open dossiers of a province's year: 30 ms instead of 250 ms fetching each row).
    for r in _open_now(unit, end).values(open_key).annotate(n=Count("*")).order_by():
        by_key.setdefault(r[open_key], Row("")).open_overdue += r["n"]
    model = Field if grouping == "linh-vuc" else Agency
    names = dict(model.objects.filter(pk__in=by_key).values_list("pk", "name"))
    rows = []
    for pk, row in by_key.items():
        row.label = names.get(pk, str(pk))
        if not row.is_empty:
            rows.append(row)
    rows.sort(key=lambda r: _sort_key(r.label))
    return rows


def late_list(unit: Unit, period: Period, limit: int = LATE_LIMIT) -> list[LateItem]:
    """Dossiers solved late in the period, then those overdue and still being worked on at
    its end, with the explanation given to the applicant (form 04's reason), up to `limit`
    rows. How many there are in all is the form's (10) + (13): see build.

    Each part is read in the order of its index (ended_at; the open ones by appointment)
    and cut at the room left, so a province's year reads 5,000 rows, not the 400,000
    behind them; the names come from the small tables in one query each, the apologies in
    one query for the listed dossiers that have one (not a subquery per row)."""
    start, end = _bounds(period)
    late = ReportLateDossier.objects.all()
    if unit.kind != "tinh":
        late = late.filter(agency_id__in=unit.agency_ids)
    solved = late.filter(solved_late=True, ended_at__gte=start, ended_at__lt=end)
    overdue_then = late.filter(overdue=True, ended_at__gte=end, due_at__lt=end)
    # (dossier, code, agency, field, procedure, received, due, ended, situation, apologised)
    picked: list[tuple] = []
    for qs, situation, ended in ((solved, SOLVED_LATE, True), (overdue_then, OVERDUE, False)):
        room = limit - len(picked)
        if room <= 0:
            break
        for r in qs.order_by("ended_at").values_list(
            "dossier_id",
            "dossier__code",
            "agency_id",
            "field_id",
            "dossier__procedure_id",
            "dossier__received_at",
            "due_at",
            "ended_at",
            "dossier__apologised_at",
        )[:room]:
            picked.append((*r[:7], r[7] if ended else None, situation, r[8]))
    room = limit - len(picked)
    if room > 0:
        for r in (
            _open_now(unit, end)
            .order_by("due")
            .values_list(
                "id",
                "code",
                "agency_id",
                "procedure__field_id",
                "procedure_id",
                "received_at",
                "due",
                "apologised_at",
            )[:room]
        ):
            picked.append((*r[:7], None, OVERDUE, r[7]))
    notes: dict[int, str] = {}
    apologised = [p[0] for p in picked if p[9] is not None]
    if apologised:
        events = Event.objects.filter(dossier_id__in=apologised, action="apologise")
        # Newest first, so the first apology's note is the one kept (there is one at most).
        for dossier_id, note in events.order_by("-id").values_list("dossier_id", "note"):
            notes[dossier_id] = note
    agencies = _names(Agency, {p[2] for p in picked})
    fields = _names(Field, {p[3] for p in picked})
    procedures = _names(Procedure, {p[4] for p in picked})
    return [
        LateItem(
            code=code,
            agency=agencies.get(agency_id, ""),
            field=fields.get(field_id, ""),
            procedure=procedures.get(procedure_id, ""),
            received_at=received_at,
            due_at=due_at,
            ended_at=ended_at,
            situation=situation,
            explanation=notes.get(pk, ""),
        )
        for (
            pk,
            code,
            agency_id,
            field_id,
            procedure_id,
            received_at,
            due_at,
            ended_at,
            situation,
            _,
        ) in picked
    ]


def _names(model, pks: set[int]) -> dict[int, str]:
    if not pks:
        return {}
    return dict(model.objects.filter(pk__in=pks).values_list("pk", "name"))


def build(
    unit: Unit, period: Period, grouping: str = "linh-vuc", late_limit: int = LATE_LIMIT
) -> Report:
    """The one object the page, the .xlsx and the PDF are drawn from."""
    if grouping not in GROUPINGS:
        raise PeriodError("Cách nhóm số liệu không hợp lệ: chọn theo lĩnh vực hoặc theo đơn vị.")
    rows = rows_for(unit, period, grouping)
    total = Row("Tổng cộng")
    for r in rows:
        total.add(r)
    late = late_list(unit, period, late_limit)
    province = _province_name()
    if unit.kind == "tinh":
        upper, name = "", f"Ủy ban nhân dân {province}"
    else:
        upper, name = f"Ủy ban nhân dân {province}", unit.name
    return Report(
        unit=unit,
        unit_name=name,
        upper_name=upper,
        period=period,
        grouping=grouping,
        rows=rows,
        total=total,
        late=late,
        # Every late dossier is counted in the form's columns: solved late (10) and overdue
        # at the end (13). One source; tests compare it with the dossiers counted one by one.
        late_total=total.solved_late + total.open_overdue,
        place=PLACE_PREFIX.sub("", province),
    )
