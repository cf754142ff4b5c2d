"""Citizens' ratings and questions from the national portal, against the real simulator:
pulled once each, attached to their dossier by the portal's or the local code, kept (never
dropped) when the dossier is not known and attached when it is."""

from django.core.management import call_command
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.dossiers.models import Dossier
from motcua.dvcqg import feedback, intake
from motcua.dvcqg.models import FeedCursor
from motcua.feedback.models import Feedback, Rating, Source
from tests import factories


def post(control, path, body):
    answer = control.post(f"/_control/dvcqg/{path}", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_unknown_dossiers_are_kept_then_attached_when_taken(world, portal):
    report = feedback.pull_feedback(portal)
    assert not report.stopped and not report.invalid
    rating = Rating.objects.get()
    question = Feedback.objects.get()
    # The simulator's demo: a rating of the first dossier of its feed, a question on the
    # second; neither dossier is here yet: kept, unattached.
    assert rating.dossier is None and rating.dossier_code.startswith("G22-")
    assert report.unattached == [rating.external_id, question.external_id]
    assert rating.source == Source.DVCQG and rating.overall == 5
    assert rating.scores == {str(i): 2 for i in range(1, 9)}
    assert rating.comment == "Cán bộ hướng dẫn tận tình"
    assert question.kind == Feedback.Kind.QUESTION and question.status == Feedback.Status.OPEN
    assert question.submitter_name == "Trần Thị Bích"
    assert question.submitter_contact == "0987654321"

    intake.pull(portal)  # the first feed dossier (1.001193 at the commune) is taken
    taken = Dossier.objects.get(national_id=rating.dossier_code)
    again = feedback.pull_feedback(portal)
    assert again.attached_later == 1 and not again.ratings and not again.feedback
    rating.refresh_from_db()
    assert rating.dossier == taken and list(taken.ratings.all()) == [rating]
    assert AuditEntry.objects.filter(action="feedback.attached").count() == 1


def test_pull_is_idempotent_and_follows_the_cursor(world, portal, control):
    dossier = world.submit_online()
    feedback.pull_feedback(portal)
    # A dossier filed at the province and synced under its local code, rated on the portal.
    post(control, "ratings", {"MaHoSo": dossier.code, "DiemDanhGia": 2,
                              "ChiTietDanhGia": [{"MaTieuChi": "1", "Diem": 0},
                                                 {"MaTieuChi": "6", "Diem": 1}],
                              "NoiDung": "Quá hạn mà không được báo"})  # fmt: skip
    post(control, "questions", {"LoaiPhanAnh": 1, "NguoiHoi": "Lê Văn Cường",
                                "Email": "cuong@example.vn",
                                "NoiDung": "Bộ phận một cửa đóng cửa sớm"})  # fmt: skip
    report = feedback.pull_feedback(portal)
    assert len(report.ratings) == 1 and len(report.feedback) == 1 and report.seen == 0
    rating = Rating.objects.get(external_id=report.ratings[0])
    assert rating.dossier == dossier and rating.is_negative
    assert rating.scores == {"1": 0, "6": 1}
    report_row = Feedback.objects.get(external_id=report.feedback[0])
    assert report_row.kind == Feedback.Kind.REPORT and report_row.dossier is None
    assert report_row.dossier_code == "" and report_row.submitter_contact == "cuong@example.vn"
    assert FeedCursor.objects.get(name="LayDanhGia").position > 0

    counts = (Rating.objects.count(), Feedback.objects.count())
    assert not feedback.pull_feedback(portal).ratings
    rescan = feedback.pull_feedback(portal, from_start=True)
    assert not rescan.ratings and not rescan.feedback and rescan.seen == 4
    assert (Rating.objects.count(), Feedback.objects.count()) == counts


def test_a_malformed_record_is_read_again_not_skipped(world, portal, control):
    portal.token(renew=True)  # the one faulted request is the ratings list
    control.post(
        "/_control/faults", json={"endpoint": "dvcqg.LayDanhGia", "malformed_rate": 1, "times": 1}
    )
    report = feedback.pull_feedback(portal)
    assert report.invalid and not report.ratings
    stopped_at = FeedCursor.objects.get(name="LayDanhGia").position
    report = feedback.pull_feedback(portal)
    assert not report.invalid and len(report.ratings) == 1
    # The cursor had stopped before the broken record, so it was read again.
    assert stopped_at < Rating.objects.get().raw["SoThuTu"]


def test_portal_down_stops_cleanly(world, portal, control):
    control.post("/_control/faults", json={"endpoint": "dvcqg", "error_rate": 1})
    report = feedback.pull_feedback(portal)
    assert report.stopped and Rating.objects.count() == 0


def test_command_and_admin_lists(world, portal, client, capsys):
    call_command("dvcqg", "feedback")
    assert "1 đánh giá mới" in capsys.readouterr().out
    admin = factories.User.objects.create_superuser("qtv", "", "x")
    client.force_login(admin)
    page = client.get(reverse("admin:feedback_rating_changelist"), {"attached": "0"})
    text = page.content.decode()
    assert page.status_code == 200 and "Chưa gắn hồ sơ" in text and "Cán bộ hướng dẫn" in text
    rating = Rating.objects.get()
    detail = client.get(reverse("admin:feedback_rating_change", args=[rating.pk])).content
    assert "Thái độ của cán bộ" in detail.decode()
    page = client.get(reverse("admin:feedback_feedback_changelist"), {"status__exact": "open"})
    assert "Hồ sơ của tôi cần bổ sung bản vẽ nào?" in page.content.decode()
    assert "Chưa trả lời" in page.content.decode()
