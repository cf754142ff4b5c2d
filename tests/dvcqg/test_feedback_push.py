"""What the province sends the national portal about ratings and feedback, against the
simulator over HTTP: each rating given here (and each change) once, in order, never taken
back as new by the pull; answers to the portal's questions; the portal down, then up, and
lost replies lose nothing and count nothing twice."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dvcqg import feedback as portal_feedback
from motcua.dvcqg import handlers
from motcua.feedback import services
from motcua.feedback.models import Feedback, Rating, Source
from tests.feedback.helpers import returned, scores

pytestmark = pytest.mark.django_db
RATING, ANSWER = "dvcqg.rating", "dvcqg.feedback_answer"


def drain(rounds: int = 30) -> None:
    """The worker, retries made due at once, until nothing is pending (or `rounds`)."""
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    for _ in range(rounds):
        pending.update(next_attempt_at=timezone.now())
        outbox.deliver_pending()
        if not pending.filter(topic__startswith="dvcqg.").exists():
            return


def held(control) -> dict[str, dict]:
    items = control.get("/_control/dvcqg/province-ratings").json()["items"]
    return {item["MaHoSo"]: item for item in items}


def test_online_rating_and_its_change_reach_the_portal_once_each(world, portal, control):
    dossier = returned(world)
    rating, _ = services.rate_online(dossier, world.citizen, scores(), "Nhanh, chu đáo")
    drain()
    record = held(control)[dossier.code]
    assert record["MaDanhGiaMC"] == f"37-DG-{rating.pk}" and record["PhienBan"] == 1
    assert record["KenhDanhGia"] == 1 and record["NoiDung"] == "Nhanh, chu đáo"
    assert {d["MaTieuChi"]: d["Diem"] for d in record["ChiTietDanhGia"]} == scores()
    assert "NgayCapNhat" not in record

    services.rate_online(dossier, world.citizen, scores(c6=0), "Thái độ chưa tốt")
    drain()
    record = held(control)[dossier.code]
    assert record["PhienBan"] == 2 and record["received"] == 2
    assert {d["MaTieuChi"]: d["Diem"] for d in record["ChiTietDanhGia"]}["6"] == 0
    assert "NgayCapNhat" in record
    sent = OutboxMessage.objects.filter(topic=RATING).order_by("id")
    assert [m.key for m in sent] == [f"dvcqg-rating:{rating.pk}:1", f"dvcqg-rating:{rating.pk}:2"]
    assert {m.status for m in sent} == {OutboxMessage.Status.DELIVERED}
    assert control.get("/_control").json()["systems"]["dvcqg"]["state"]["province_ratings"] == 1


def test_counter_rating_is_sent_and_the_pull_does_not_take_it_back(world, portal, control):
    dossier = returned(world)
    kiosk, _ = services.open_kiosk(world.desk)
    rating = services.rate_at_counter(kiosk, dossier.code, scores())
    drain()
    assert held(control)[dossier.code]["KenhDanhGia"] == 2
    report = portal_feedback.pull_feedback(portal)
    # Only the portal's own demo rating is new; ours was not listed back.
    assert len(report.ratings) == 1 and report.own == 0
    # A portal that did list it back (it carries our id) is not taken as a second rating.
    control.post(
        "/_control/dvcqg/ratings",
        json={"MaHoSo": dossier.code, "DiemDanhGia": 5, "MaDanhGiaMC": f"37-DG-{rating.pk}",
              "ChiTietDanhGia": [{"MaTieuChi": "1", "Diem": 2}]},
    )  # fmt: skip
    report = portal_feedback.pull_feedback(portal)
    assert report.own == 1 and not report.ratings and "do tỉnh gửi lên" in report.summary()
    assert list(Rating.objects.filter(dossier=dossier).values_list("source", flat=True)) == [
        Source.COUNTER
    ]


def test_portal_down_then_up_loses_nothing(world, portal, control):
    dossier = returned(world)
    drain()  # the dossier's steps reach the portal first
    control.post("/_control/faults", json={"endpoint": "dvcqg", "error_rate": 1})
    services.rate_online(dossier, world.citizen, scores())
    drain(rounds=3)
    message = OutboxMessage.objects.get(topic=RATING)
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 3
    assert "503" in message.last_error and held(control) == {}
    control.delete("/_control/faults")
    drain()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert held(control)[dossier.code]["received"] == 1


def test_a_lost_reply_is_sent_again_and_counted_once(world, portal, control):
    dossier = returned(world)
    drain()
    # The portal stores the rating, then the answer is lost (503): the worker sends it again
    # with the same Idempotency-Key, and the portal answers as the first time.
    control.post(
        "/_control/faults",
        json={"endpoint": "dvcqg.DongBoDanhGiaMC", "error_after_rate": 1, "times": 1},
    )
    services.rate_online(dossier, world.citizen, scores())
    drain()
    message = OutboxMessage.objects.get(topic=RATING)
    assert message.status == OutboxMessage.Status.DELIVERED and message.attempts == 2
    assert held(control)[dossier.code]["received"] == 1
    replays = control.get(
        "/_control/received", params={"endpoint": "dvcqg.DongBoDanhGiaMC"}
    ).json()["items"]
    assert len(replays) == 2


def test_late_or_repeated_versions_change_nothing(world, portal, control):
    dossier = returned(world)
    services.rate_online(dossier, world.citizen, scores())
    services.rate_online(dossier, world.citizen, scores(c1=1))
    drain()
    first, second = OutboxMessage.objects.filter(topic=RATING).order_by("id")
    # Version 1 again under a new key (a resend by an administrator): merged, not applied.
    first.key += ":resend"
    handlers.push_rating(first)
    record = held(control)[dossier.code]
    assert record["PhienBan"] == 2 and record["received"] == 2
    assert {d["MaTieuChi"]: d["Diem"] for d in record["ChiTietDanhGia"]}["1"] == 1


def test_a_rating_waits_for_its_dossier_to_reach_the_portal(world, portal, control):
    control.post("/_control/faults", json={"endpoint": "dvcqg.DongBoHoSoMC", "error_rate": 1})
    dossier = returned(world)
    services.rate_online(dossier, world.citizen, scores())
    drain(rounds=3)
    message = OutboxMessage.objects.get(topic=RATING)
    # 404: the portal does not hold the dossier yet; retried, not dropped.
    assert message.status == OutboxMessage.Status.PENDING and "404" in message.last_error
    control.delete("/_control/faults")
    drain()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED and dossier.code in held(control)


def root():
    return User.objects.create_superuser("root", "root@example.vn", "x" * 16)


def test_questions_from_the_portal_are_answered_there(world, portal, control):
    portal_feedback.pull_feedback(portal)
    item = Feedback.objects.get(source=Source.DVCQG)
    item = services.assign(item, root(), agency=world.dept)
    text = "Ông/bà cần bổ sung bản vẽ mặt bằng tỷ lệ 1/100."
    services.answer(item, world.desk, text)
    # Answered back to the portal, not by the province's own notices.
    assert not OutboxMessage.objects.filter(topic="notify.feedback").exists()
    drain()
    message = OutboxMessage.objects.get(topic=ANSWER)
    assert message.status == OutboxMessage.Status.DELIVERED
    (question,) = [
        q
        for q in control.get("/_control/dvcqg/questions").json()["items"]
        if q["MaCauHoi"] == item.external_id
    ]
    assert question["TraLoi"]["NoiDungTraLoi"] == text
    assert question["TraLoi"]["MaDonVi"] == world.dept.identifier
    # Delivered again (a crash before the worker marked it): the portal changes nothing.
    message.key += ":again"
    handlers.push_answer(message)
    assert control.get("/_control").json()["systems"]["dvcqg"]["state"]["answered"] == 1


def test_an_answer_the_portal_cannot_take_is_dead_at_once(world, portal):
    item, _ = services.record_feedback(
        services.FeedbackData(
            source=Source.DVCQG,
            kind=Feedback.Kind.QUESTION,
            content="Câu hỏi mà Cổng không có",
            received_at=timezone.now(),
            external_id="CH-KHONG-CO",
        )
    )
    item = services.assign(item, root(), agency=world.dept)
    services.answer(item, world.desk, "Nội dung trả lời đủ dài.")
    drain()
    message = OutboxMessage.objects.get(topic=ANSWER)
    assert message.status == OutboxMessage.Status.FAILED and message.attempts == 1
    assert "404" in message.last_error
