"""Recording ratings and feedback: once per source and external id, attached to the dossier
named by its national or local code, kept unattached otherwise."""

import datetime as dt

from django.utils import timezone

from motcua.core.models import AuditEntry
from motcua.feedback import services
from motcua.feedback.models import Feedback, Rating, Source


def rating(code="", external_id="DG1", **fields):
    return services.RatingData(
        source=fields.pop("source", Source.DVCQG),
        received_at=timezone.now() - dt.timedelta(hours=1),
        dossier_code=code,
        external_id=external_id,
        **fields,
    )


def test_a_rating_is_recorded_once_and_audited(world):
    dossier = world.submit_online()
    first, created = services.record_rating(
        rating(dossier.code, overall=4, scores={"1": 2, "2": 7, "3": True})
    )
    assert created and first.dossier == dossier
    assert first.scores == {"1": 2}  # out-of-range and non-integer scores are not kept
    again, created = services.record_rating(rating(dossier.code, overall=1))
    assert not created and again == first and Rating.objects.count() == 1
    assert AuditEntry.objects.filter(action="feedback.rating").count() == 1
    # The same id from another source is another rating; another id, another rating.
    services.record_rating(rating(dossier.code, source=Source.ONLINE))
    services.record_rating(rating(dossier.code, external_id="DG2"))
    assert Rating.objects.filter(dossier=dossier).count() == 3


def test_unknown_dossier_is_kept_and_attached_later(world):
    row, _ = services.record_rating(rating("G22-260101-000099"))
    item, _ = services.record_feedback(
        services.FeedbackData(
            source=Source.DVCQG,
            kind=Feedback.Kind.PROPOSAL,
            content="Đề nghị mở thêm quầy",
            received_at=timezone.now(),
            dossier_code="G22-260101-000099",
            external_id="CH1",
        )
    )
    assert row.dossier is None and item.dossier is None
    assert services.unattached() == (1, 1)
    assert services.attach_pending() == 0
    dossier = world.submit_online()
    dossier.national_id = "G22-260101-000099"
    dossier.save(update_fields=["national_id"])
    assert services.attach_pending() == 2
    assert services.unattached() == (0, 0)
    assert dossier.ratings.get() == row and dossier.feedback.get() == item
