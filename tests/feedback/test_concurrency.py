"""Ratings of one dossier arriving at the same moment (a portal pull, the applicant online,
the desk's tablet) still count the dossier once: the dossier row is locked while its
satisfaction facts are recounted (on SQLite, the single writer serialises them)."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from motcua.core.problems import DomainError
from motcua.feedback import services
from motcua.feedback.models import DossierTally, Rating, Source
from tests.feedback.helpers import ALL_GOOD, returned, satisfaction, scores
from tests.seeds import reload_shipped_data


@pytest.mark.django_db(transaction=True)
def test_simultaneous_ratings_count_the_dossier_once(world):
    # Transactional: an earlier transactional test on this worker flushed the indicators
    # the data migrations ship; without them the index has no satisfaction indicator.
    reload_shipped_data()
    dossier = returned(world)
    dossier.national_id = "G22-261201-000077"
    dossier.save(update_fields=["national_id"])
    kiosk, _ = services.open_kiosk(world.desk)
    start = threading.Barrier(5)
    errors: list[Exception] = []

    def imported(n):
        services.record_rating(
            services.RatingData(
                source=Source.DVCQG,
                received_at=timezone.now(),
                dossier_code=dossier.national_id,
                external_id=f"DG{n}",
                overall=1 if n == 2 else 5,
            )
        )

    jobs = [
        lambda: imported(1),
        lambda: imported(2),
        lambda: imported(3),
        lambda: services.rate_online(dossier, world.citizen, scores(c1=0)),
        lambda: services.rate_at_counter(kiosk, dossier.code, ALL_GOOD),
    ]

    def run(job):
        try:
            start.wait()
            job()
        except DomainError:
            pass  # online and tablet: one of the two is refused (one local rating)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Rating.objects.filter(dossier=dossier).count() == 4  # three imported, one local
    counts, _, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 1)
    assert DossierTally.objects.get(dossier=dossier).negative
