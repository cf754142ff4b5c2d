"""One pure function per formula key: counts in, a rate in [0, 1] out, or None for no data.

`counts` is a mapping of the counter names of selectors.Counts (received, on_time, online,
...). A formula returns None when its denominator is empty ("no dossiers" is no data, not
100 %, QĐ 766); whether the data exists at all (a feed not yet connected) is decided by
`FORMULAS[key].feed` before the formula is called. `points` turns a rate into points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

Counts = Mapping[str, int]


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def counted_on_time(c: Counts) -> int:
    """QĐ 766: finished on time, stopped or withdrawn before the appointment, and still open
    with the appointment not passed (dossiers.stats.Progress is the same rule)."""
    open_ = c["received"] - c["finished"] - c["stopped"] - c["withdrawn"]
    closed_in_time = c["stopped"] + c["withdrawn"] - c["closed_late"]
    return c["on_time"] + closed_in_time + (open_ - c["open_late"])


def counted_late(c: Counts) -> int:
    return c["late"] + c["closed_late"] + c["open_late"]


def on_time_rate(c: Counts) -> float | None:
    """Tiến độ: dossiers received in the period counted on time / all received."""
    return ratio(counted_on_time(c), c["received"])


def online_rate(c: Counts) -> float | None:
    """Dossiers filed online / all received."""
    return ratio(c["online"], c["received"])


def electronic_result_rate(c: Counts) -> float | None:
    """Results returned as an electronic result / results returned."""
    return ratio(c["returned_online"], c["returned"])


def online_payment_rate(c: Counts) -> float | None:
    """Dossiers paid online / dossiers asked to fulfil a financial obligation."""
    return ratio(min(c["paid_online"], c["payment_due"]), c["payment_due"])


def satisfaction_rate(c: Counts) -> float | None:
    """100 % − (overdue rate + rate of dossiers with a complaint or a negative rating),
    both over the dossiers received; never below 0."""
    if not c["received"]:
        return None
    overdue = counted_late(c) / c["received"]
    unhappy = (c["rated_negative"] + c["complained"]) / c["received"]
    return max(0.0, 1.0 - overdue - unhappy)


def feedback_on_time_rate(c: Counts) -> float | None:
    """Feedback answered within its limit (15 working days) / feedback answered."""
    return ratio(c["feedback_on_time"], c["feedback"])


def published_procedures_rate(c: Counts) -> float | None:
    """Procedures of the unit published in full (legal basis and the papers to file
    listed, as the portal shows them) / active procedures of the unit."""
    return ratio(c["procedures_published"], c["procedures"])


def digitised_components_rate(c: Counts) -> float | None:
    """Dossiers received with their components as electronic files / dossiers received."""
    return ratio(c["digitised"], c["received"])


def digitised_results_rate(c: Counts) -> float | None:
    """Dossiers returned with their result as an electronic file / dossiers returned."""
    return ratio(c["digitised_results"], c["returned"])


def reuse_rate(c: Counts) -> float | None:
    """No counter yet (Motcua does not record which data were reused): no data."""
    return ratio(c["reused"], c["received"])


def synced_rate(c: Counts) -> float | None:
    """Dossiers received whose record as received the national portal acknowledged /
    dossiers received (tracking.on_status_delivered)."""
    return ratio(c["synced"], c["received"])


@dataclass(frozen=True)
class Formula:
    function: Callable[[Counts], float | None]
    label: str
    feed: str | None = None  # DataFeed.Key the data comes from; None: Motcua's own data


FORMULAS: dict[str, Formula] = {
    "published_procedures": Formula(
        published_procedures_rate,
        "TTHC công khai đầy đủ (căn cứ pháp lý, thành phần hồ sơ) / TTHC đang áp dụng",
    ),
    "synced": Formula(synced_rate, "Hồ sơ đồng bộ lên Cổng DVC quốc gia / hồ sơ tiếp nhận", "sync"),
    "on_time": Formula(on_time_rate, "Hồ sơ đúng hạn / hồ sơ tiếp nhận trong kỳ"),
    "online": Formula(online_rate, "Hồ sơ nộp trực tuyến / hồ sơ tiếp nhận"),
    "electronic_result": Formula(
        electronic_result_rate, "Hồ sơ trả kết quả điện tử / hồ sơ đã trả kết quả"
    ),
    "online_payment": Formula(
        online_payment_rate,
        "Hồ sơ thanh toán trực tuyến / hồ sơ có nghĩa vụ tài chính",
        "payment",
    ),
    # Motcua's own data: the files attached to the dossier (tracking.on_transition).
    "digitised_components": Formula(
        digitised_components_rate, "Hồ sơ có thành phần được số hóa / hồ sơ tiếp nhận"
    ),
    "digitised_results": Formula(
        digitised_results_rate, "Kết quả được số hóa / hồ sơ đã trả kết quả"
    ),
    "reuse": Formula(
        reuse_rate,
        "Hồ sơ sử dụng lại dữ liệu đã số hóa / hồ sơ tiếp nhận",
        "digitisation",
    ),
    "satisfaction": Formula(
        satisfaction_rate,
        "100 % − (tỷ lệ trễ hạn + tỷ lệ hồ sơ bị phản ánh, đánh giá không hài lòng)",
        "rating",
    ),
    "feedback_on_time": Formula(
        feedback_on_time_rate,
        "Phản ánh, kiến nghị trả lời đúng hạn / phản ánh, kiến nghị đã trả lời",
        "feedback",
    ),
}

CENT = Decimal("0.01")


def cents(value: Decimal) -> int | None:
    """A weight or threshold in whole hundredths (the fields have two decimals), None for
    finer digits."""
    hundredths = value * 100
    return int(hundredths) if hundredths == hundredths.to_integral_value() else None


def points_cents(rate: float, max_cents: int, full_at_cents: int) -> int | None:
    """points() in whole cents by float arithmetic (a ranking computes hundreds of
    them), or None within a millionth of a cent of a half cent, where the caller asks
    points(). Exact elsewhere: the float differs from the Decimal path's value by less
    than 1e-10 cent (16 significant digits, at most 99,999 cents; the Decimal path's own
    rounding is at 28 digits), so both round to the same cent; within 1e-9 of the
    threshold or of zero the points are within 1e-4 cent of all or none.
    tests/serviceindex/test_ranking.py checks it against points()."""
    share = rate * 10000.0 / full_at_cents  # rate * 100 / full_at_percent
    if share >= 1.0 - 1e-9:
        return max_cents
    if share <= 1e-9:
        return 0
    exact = max_cents * share
    whole = int(exact)
    fraction = exact - whole
    if abs(fraction - 0.5) < 1e-6:
        return None
    return whole + (fraction > 0.5)


def points(rate: float | None, max_points: Decimal, full_at_percent: Decimal) -> Decimal | None:
    """All the points at or above the threshold, in proportion below it; None stays None."""
    if rate is None:
        return None
    share = min(Decimal(1), Decimal(str(rate)) * 100 / full_at_percent)
    return (max_points * max(Decimal(0), share)).quantize(CENT, rounding=ROUND_HALF_UP)
