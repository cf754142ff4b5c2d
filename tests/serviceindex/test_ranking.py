"""The ranking's scorer (selectors.Scorer) against the scorecard it stands for: the same
points, the same points possible and the same percent, for random counts, every subset
of connected feeds, and counts that lack a counter."""

import itertools
import random

import pytest

from motcua.catalog.models import Agency
from motcua.serviceindex import selectors
from motcua.serviceindex.models import DataFeed, Indicator

pytestmark = pytest.mark.django_db


def _random_counts(rng: random.Random) -> dict[str, int]:
    received = rng.choice([0, 1, 3, 10, 250, 9_999])
    counts = {
        name: rng.randint(0, max(received, 1)) for name in selectors.COUNTERS
    }  # not always consistent with each other: the two paths must agree on any input
    counts["received"] = received
    counts["procedures"] = rng.choice([0, 1, 40])
    counts["procedures_published"] = rng.randint(0, counts["procedures"])
    if rng.random() < 0.1:  # a counter Motcua does not keep yet
        del counts[rng.choice(sorted(counts))]
    return counts


def test_the_scorer_equals_the_scorecard_for_random_counts():
    indicators = selectors.active_indicators()
    assert indicators, "the seeded indicators"
    # One indicator whose formula this version does not know: no number on either path.
    unknown = Indicator(**{**_fields(indicators[0]), "code": "ZZ1", "formula": "unknown"})
    indicators = [*indicators, unknown]
    rng = random.Random(766)
    keys = [k.value for k in DataFeed.Key]
    compared = 0
    for size in range(len(keys) + 1):
        for feeds in map(set, itertools.combinations(keys, size)):
            scorer = selectors.Scorer(indicators, feeds)
            for _ in range(12):
                counts = _random_counts(rng)
                card = selectors.scorecard(counts, indicators, feeds)
                quick = scorer(counts)
                assert (quick.points, quick.max_with_data, quick.percent) == (
                    card.points,
                    card.max_with_data,
                    card.percent,
                ), (feeds, counts)
                compared += 1
    assert compared == 2 ** len(keys) * 12


def _fields(indicator: Indicator) -> dict:
    return {
        f.name: getattr(indicator, f.name)
        for f in Indicator._meta.concrete_fields
        if f.name != "id"
    }


def test_each_unit_read_alone_is_the_one_in_its_kinds_list(world):
    from motcua.catalog.models import ServiceCentre
    from tests import factories

    centre = ServiceCentre.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh", unit=factories.unit(), book_code="ttpv"
    )
    centre.agencies.add(world.dept, world.commune)
    ServiceCentre.objects.create(name="Chi nhánh đã đóng", unit=factories.unit(), is_active=False)
    for kind in ("co-quan", "xa", "trung-tam"):
        units = selectors.units_of_kind(kind)
        assert units
        for unit in units:
            assert selectors.get_unit(kind, unit.pk) == unit
    [only] = selectors.units_of_kind("trung-tam")
    assert only.pk == centre.pk and only.has_commune
    assert only.agency_ids == [a.pk for a in centre.agencies.all()]
    departments = selectors.units_of_kind("co-quan")
    assert [u.pk for u in departments] == [
        a.pk for a in Agency.objects.exclude(level=Agency.Level.COMMUNE)
    ]
    assert selectors.get_unit("trung-tam", -1) is None
    assert selectors.get_unit("co-quan", -1) is None


def test_the_catalogue_counts_compiled_once_equal_their_queryset(world):
    """The active procedures and those published in full (a legal basis and at least one
    component), per agency and for the commune catalogue, read by the SQL compiled once."""
    from motcua.catalog.models import Procedure
    from tests import factories

    factories.procedure(world.dept, components=0)  # no components: not published in full
    retired = factories.procedure(None)
    Procedure.objects.filter(pk=retired.pk).update(is_active=False)
    Procedure.objects.filter(pk=world.commune_proc.pk).update(legal_basis="Luật Hộ tịch 2014")
    for _ in range(2):  # the second read goes through the kept statement
        rows = selectors._CATALOG.all()
        assert sorted(rows, key=repr) == sorted(selectors.catalog_rows(), key=repr)
    counts = selectors.catalog_counts()
    active = Procedure.objects.filter(is_active=True)
    for agency, key in ((world.dept.pk, world.dept.pk), (None, None)):
        mine = active.filter(agency_id=agency)
        expected = {
            "procedures": mine.count(),
            "procedures_published": sum(1 for p in mine if p.legal_basis and p.components.exists()),
        }
        got = counts.commune if key is None else counts.by_agency[key]
        assert got == expected
    assert counts.commune["procedures_published"] == 1


def _rates(rng: random.Random):
    """Rates as the formulas make them (ratios of counts), and anything around."""
    for _ in range(40_000):
        denominator = rng.choice([1, 3, 7, 10, 250, 9_999, 3_265_338, rng.randint(1, 10**7)])
        yield rng.randint(0, denominator) / denominator
        yield rng.uniform(-0.2, 1.3)
    yield from (0.0, -0.0, 1.0, 0.5, 0.1, 0.7, 0.95, 0.999999999, 1e-12, 2.0, -1.0)


def test_points_in_cents_equal_the_decimal_points():
    """formulas.points_cents gives points() in cents, or None (then points() decides)."""
    from decimal import Decimal

    from motcua.serviceindex import formulas

    rng = random.Random(766)
    weights = [1, 50, 100, 150, 200, 1_000, 99_999, *(rng.randint(0, 99_999) for _ in range(8))]
    thresholds = [
        10_000,
        9_000,
        8_000,
        1,
        5_000,
        9_999,
        *(rng.randint(1, 10_000) for _ in range(8)),
    ]
    compared = deferred = 0
    for rate in _rates(rng):
        weight, full = rng.choice(weights), rng.choice(thresholds)
        exact = formulas.points(rate, Decimal(weight) / 100, Decimal(full) / 100)
        cents = formulas.points_cents(rate, weight, full)
        if cents is None:
            deferred += 1
            continue
        assert Decimal(cents).scaleb(-2) == exact, (rate, weight, full)
        compared += 1
    assert compared > 70_000 and deferred < compared / 100  # nice rates land on half cents
    # On a half cent exactly: the Decimal arithmetic decides (half up).
    halves = [(0.5, 1, 10_000), (0.25, 2, 10_000), (0.125, 4, 10_000), (0.0625, 4, 5_000)]
    for rate, weight, full in halves:
        assert formulas.points_cents(rate, weight, full) is None


def test_the_scorer_keeps_weights_with_finer_digits_exact():
    """A weight of more than two decimals (not in QĐ 766): the Decimal sums themselves."""
    from decimal import Decimal

    indicators = selectors.active_indicators()
    odd = Indicator(**{**_fields(indicators[0]), "code": "ZZ2", "max_points": Decimal("1.005")})
    feeds = {k.value for k in DataFeed.Key}
    scorer = selectors.Scorer([*indicators, odd], feeds)
    rng = random.Random(5)
    for _ in range(200):
        counts = _random_counts(rng)
        card = selectors.scorecard(counts, [*indicators, odd], feeds)
        quick = scorer(counts)
        assert (quick.points, quick.max_with_data, quick.percent) == (
            card.points,
            card.max_with_data,
            card.percent,
        )
