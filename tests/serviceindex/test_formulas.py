"""Each formula with a case computed by hand, and the points rule."""

from decimal import Decimal

import pytest

from motcua.serviceindex import formulas
from motcua.serviceindex.selectors import zero


def counts(**kw):
    return {**zero(), "procedures": 0, "procedures_published": 0, **kw}


def test_on_time_rate_counts_open_stopped_and_withdrawn():
    # 10 received: 4 finished (3 on time, 1 late), 2 stopped (1 after the appointment),
    # 1 withdrawn in time, 3 open of which 1 past its appointment.
    # On time = 3 + (2 + 1 - 1) + (3 - 1) = 7 -> 70 %.
    c = counts(
        received=10,
        finished=4,
        on_time=3,
        late=1,
        stopped=2,
        withdrawn=1,
        closed_late=1,
        open_late=1,
    )
    assert formulas.counted_on_time(c) == 7
    assert formulas.counted_late(c) == 3
    assert formulas.on_time_rate(c) == 0.7


def test_no_dossiers_is_no_data():
    c = counts()
    for key, f in formulas.FORMULAS.items():
        if key in ("digitised_components", "digitised_results", "reuse", "synced"):
            continue  # counters Motcua does not keep yet
        assert f.function(c) is None, key


def test_online_rate():
    assert formulas.online_rate(counts(received=8, online=3)) == 3 / 8


def test_electronic_result_rate():
    assert formulas.electronic_result_rate(counts(returned=4, returned_online=1)) == 0.25


def test_online_payment_rate_never_above_one():
    assert formulas.online_payment_rate(counts(payment_due=5, paid_online=2)) == 0.4
    assert formulas.online_payment_rate(counts(payment_due=2, paid_online=3)) == 1.0


def test_satisfaction_rate():
    # 20 received, 2 late (10 %), 1 negative rating and 1 complaint (10 %): 80 %.
    c = counts(received=20, finished=20, on_time=18, late=2, rated_negative=1, complained=1)
    assert formulas.satisfaction_rate(c) == pytest.approx(0.8)
    # Never below zero.
    c = counts(received=2, finished=2, late=2, complained=2)
    assert formulas.satisfaction_rate(c) == 0.0


def test_feedback_on_time_rate():
    assert formulas.feedback_on_time_rate(counts(feedback=3, feedback_on_time=2)) == 2 / 3


def test_published_procedures_rate():
    c = counts(procedures=4, procedures_published=3)
    assert formulas.published_procedures_rate(c) == 0.75


def test_digitisation_and_sync_rates():
    assert formulas.digitised_components_rate({"digitised": 4, "received": 5}) == 0.8
    assert formulas.digitised_results_rate({"digitised_results": 1, "returned": 4}) == 0.25
    assert formulas.reuse_rate({"reused": 0, "received": 5}) == 0.0
    assert formulas.synced_rate({"synced": 5, "received": 5}) == 1.0


def test_points_full_at_the_threshold_proportional_below():
    # Online rate full at 50 %: 40 % of 8 points -> 8 * 40/50 = 6.40; 60 % -> 8.
    assert formulas.points(0.4, Decimal(8), Decimal(50)) == Decimal("6.40")
    assert formulas.points(0.6, Decimal(8), Decimal(50)) == Decimal("8.00")
    # On time full at 100 %: 70 % of 20 -> 14.
    assert formulas.points(0.7, Decimal(20), Decimal(100)) == Decimal("14.00")
    # Satisfaction full at 90 %: 80 % of 12 -> 12 * 80/90 = 10.666... -> 10.67.
    assert formulas.points(0.8, Decimal(12), Decimal(90)) == Decimal("10.67")
    assert formulas.points(None, Decimal(12), Decimal(90)) is None


def test_every_seeded_indicator_has_a_formula(db):
    from motcua.serviceindex.models import Indicator

    indicators = list(Indicator.objects.all())
    assert len(indicators) == 11
    assert {i.formula for i in indicators} <= set(formulas.FORMULAS)
    assert sum(i.max_points for i in indicators) == 100
