import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from motcua.core.codes import dossier_code, next_in_day, result_code, validate_agency_identifier
from motcua.dossiers.models import Dossier


@pytest.mark.parametrize("value", ["000.00.00.H38", "G12.34", "000.00.01.H37", "A.B"])
def test_valid_agency_identifiers(value):
    validate_agency_identifier(value)


@pytest.mark.parametrize("value", ["", "H38", "000..00", "abc.def", "000.00.00.H38 ", "1." * 20])
def test_invalid_agency_identifiers(value):
    with pytest.raises(ValidationError):
        validate_agency_identifier(value)


def test_code_format():
    day = dt.date(2026, 11, 23)
    assert dossier_code("000.00.01.H37", day, 7) == "000.00.01.H37-261123-0007"
    assert result_code("000.00.01.H37-261123-0007", 1) == "000.00.01.H37-261123-0007-KQ1"
    with pytest.raises(ValidationError):
        dossier_code("000.00.01.H37", day, 10000)


@pytest.mark.django_db
def test_sequence_is_per_agency_and_per_day():
    d1, d2 = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
    with transaction.atomic():
        assert [next_in_day("A.1", d1) for _ in range(3)] == [1, 2, 3]
        assert next_in_day("A.2", d1) == 1
        assert next_in_day("A.1", d2) == 1


@pytest.mark.django_db
def test_rolled_back_number_is_given_back():
    day = dt.date(2026, 11, 23)
    with transaction.atomic():
        assert next_in_day("A.1", day) == 1
    try:
        with transaction.atomic():
            assert next_in_day("A.1", day) == 2
            raise RuntimeError("submission failed after taking a number")
    except RuntimeError:
        pass
    with transaction.atomic():
        assert next_in_day("A.1", day) == 2


THREADS = 8
PER_THREAD = 6


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_get_unique_gap_free_codes():
    """Eight threads, each with its own database connection, submit at once. On PostgreSQL
    this is real concurrency on the counter row; on SQLite the writes queue."""
    from tests.factories import World

    world = World.build()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait(timeout=30)
            for _ in range(PER_THREAD):
                world.submit_online()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    codes = sorted(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == THREADS * PER_THREAD
    # All on the same agency and day (the test does not straddle midnight in practice).
    prefixes = {c.rsplit("-", 1)[0] for c in codes}
    seqs = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    if len(prefixes) == 1:
        assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    assert all(re.fullmatch(r"000\.00\.01\.H37-\d{6}-\d{4}", c) for c in codes)
    assert connection.vendor in {"postgresql", "sqlite"}
