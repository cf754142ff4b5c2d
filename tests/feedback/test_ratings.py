"""Ratings: online by the applicant, at the desk's tablet, imported from the national
portal; each dossier counted once in the service index's satisfaction group."""

import datetime as dt

import pytest
from django.utils import timezone

from motcua.core.models import AuditEntry
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.feedback import services
from motcua.feedback.models import RATING_CHANGE_DAYS, Feedback, Rating, Source, is_satisfied
from tests.feedback.helpers import ALL_GOOD, returned, satisfaction, scores


def test_the_rule_for_satisfied():
    assert is_satisfied(None, ALL_GOOD)
    assert is_satisfied(None, scores(c3=1))  # "Đạt" is satisfied
    assert not is_satisfied(None, scores(c6=0))  # any "Không đạt" is not
    assert not is_satisfied(2, ALL_GOOD)  # national overall score 1–2 is not
    assert is_satisfied(3, {})


def test_online_rating_counts_once_and_its_change_moves_the_verdict(world):
    dossier = returned(world)
    counts, hl1, _ = satisfaction()
    assert counts["rated"] == 0 and hl1 is None  # no rating feed yet: no data, not 0 %
    rating, created = services.rate_online(dossier, world.citizen, ALL_GOOD, "Cán bộ nhiệt tình")
    assert created and rating.source == Source.ONLINE and rating.author == world.citizen
    counts, hl1, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 0) and hl1 == 1.0

    again, created = services.rate_online(dossier, world.citizen, scores(c6=0))
    assert not created and again.pk == rating.pk and again.changed_at is not None
    counts, hl1, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 1) and hl1 == 0.0

    services.rate_online(dossier, world.citizen, scores(c6=1))
    counts, hl1, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 0) and hl1 == 1.0
    assert Rating.objects.filter(dossier=dossier).count() == 1
    actions = list(
        AuditEntry.objects.filter(object_type="rating", object_id=str(rating.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["feedback.rating", "feedback.rating_changed", "feedback.rating_changed"]


def test_online_rating_change_window(world):
    dossier = returned(world)
    rating, _ = services.rate_online(dossier, world.citizen, ALL_GOOD)
    Rating.objects.filter(pk=rating.pk).update(
        received_at=timezone.now() - dt.timedelta(days=RATING_CHANGE_DAYS, minutes=1)
    )
    with pytest.raises(IllegalTransition, match="chỉ được sửa trong 7 ngày"):
        services.rate_online(dossier, world.citizen, scores(c1=0))


def test_only_the_applicant_rates_online_and_only_a_returned_dossier(world):
    dossier = returned(world)
    for user in (world.other_citizen, world.desk, None):
        with pytest.raises(NotAllowed, match="Chỉ người nộp hồ sơ"):
            services.rate_online(dossier, user, ALL_GOOD)
    open_dossier = world.submit_online()
    with pytest.raises(IllegalTransition, match="chưa được trả kết quả"):
        services.rate_online(open_dossier, world.citizen, ALL_GOOD)
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({**ALL_GOOD, "1": 3}, "không hợp lệ"),
        ({**ALL_GOOD, "1": "abc"}, "không hợp lệ"),
        ({**ALL_GOOD, "1": True}, "không hợp lệ"),
        ({k: v for k, v in ALL_GOOD.items() if k != "2"}, "Vui lòng chọn mức đánh giá"),
    ],
)
def test_bad_scores_are_refused_in_vietnamese(world, raw, message):
    dossier = returned(world)
    with pytest.raises(InvalidInput, match=message):
        services.rate_online(dossier, world.citizen, raw)


def test_the_last_criterion_is_optional(world):
    dossier = returned(world)
    raw = {k: v for k, v in ALL_GOOD.items() if k != "8"}
    rating, _ = services.rate_online(dossier, world.citizen, raw)
    assert "8" not in rating.scores


def test_kiosk_rates_returned_dossiers_of_its_agency_once(world):
    dossier = returned(world)
    with pytest.raises(NotAllowed):
        services.open_kiosk(world.citizen)
    with pytest.raises(NotAllowed):
        services.open_kiosk(world.specialist)
    kiosk, token = services.open_kiosk(world.desk)
    assert services.kiosk_for(token) == kiosk and services.kiosk_for("x" * 43) is None
    assert kiosk.token_hash != token  # only the hash is kept

    not_returned = world.submit_online()
    with pytest.raises(IllegalTransition, match="chưa được trả kết quả"):
        services.rate_at_counter(kiosk, not_returned.code, ALL_GOOD)
    with pytest.raises(InvalidInput, match="Không tìm thấy hồ sơ"):
        services.rate_at_counter(kiosk, "KHONG-CO", ALL_GOOD)

    rating = services.rate_at_counter(kiosk, dossier.code, scores(c2=0), "Phải đi lại nhiều lần")
    assert rating.source == Source.COUNTER and rating.kiosk == kiosk and rating.author is None
    with pytest.raises(IllegalTransition, match="đã được đánh giá"):
        services.rate_at_counter(kiosk, dossier.code, ALL_GOOD)
    # Nor online afterwards: one rating per dossier in the province.
    with pytest.raises(IllegalTransition, match="đã được đánh giá tại quầy"):
        services.rate_online(dossier, world.citizen, ALL_GOOD)
    counts, hl1, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 1)

    # Another agency's tablet does not find it; a closed tablet is nothing.
    other, other_token = services.open_kiosk(world.other_desk)
    with pytest.raises(InvalidInput, match="Không tìm thấy hồ sơ"):
        services.rate_at_counter(other, dossier.code, ALL_GOOD)
    services.close_kiosk(other)
    assert services.kiosk_for(other_token) is None


def test_imported_and_local_ratings_count_the_dossier_once(world):
    dossier = returned(world)
    dossier.national_id = "G22-261201-000001"
    dossier.save(update_fields=["national_id"])
    services.record_rating(
        services.RatingData(
            source=Source.DVCQG,
            received_at=timezone.now(),
            dossier_code=dossier.national_id,
            external_id="DG1",
            overall=5,
            scores={"1": 2},
        )
    )
    services.rate_online(dossier, world.citizen, ALL_GOOD)
    counts, _, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 0)
    # A negative one from the portal makes the dossier negative, still once.
    services.record_rating(
        services.RatingData(
            source=Source.DVCQG,
            received_at=timezone.now(),
            dossier_code=dossier.national_id,
            external_id="DG2",
            overall=1,
        )
    )
    counts, _, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 1)


def test_a_rating_attached_later_is_counted_then(world):
    dossier = returned(world)
    services.record_rating(
        services.RatingData(
            source=Source.DVCQG,
            received_at=timezone.now(),
            dossier_code="G22-261201-000009",
            external_id="DG9",
            overall=2,
        )
    )
    assert satisfaction()[0]["rated"] == 0
    dossier.national_id = "G22-261201-000009"
    dossier.save(update_fields=["national_id"])
    assert services.attach_pending() == 1
    counts, _, _ = satisfaction()
    assert (counts["rated"], counts["rated_negative"]) == (1, 1)


def test_complaints_count_once_and_not_on_top_of_a_negative_rating(world):
    dossier = returned(world)

    def complain(kind=Feedback.Kind.REPORT):
        return services.submit_feedback(
            world.citizen,
            services.Submission(
                kind=kind,
                content="Hồ sơ bị trả chậm mà không có thư xin lỗi",
                name="Nguyễn Văn Dân",
                contact="0912345678",
                dossier_code=dossier.code,
            ),
        )

    complain(Feedback.Kind.QUESTION)  # a question is not a complaint
    assert satisfaction()[0]["complained"] == 0
    complain()
    complain(Feedback.Kind.PROPOSAL)
    counts, hl1, _ = satisfaction()
    assert counts["complained"] == 1 and hl1 == 0.0
    # Then a negative rating: the dossier is unhappy once, not twice.
    services.rate_online(dossier, world.citizen, scores(c1=0))
    counts, _, _ = satisfaction()
    assert (counts["rated_negative"], counts["complained"]) == (1, 0)
    services.rate_online(dossier, world.citizen, ALL_GOOD)
    counts, _, _ = satisfaction()
    assert (counts["rated_negative"], counts["complained"]) == (0, 1)
