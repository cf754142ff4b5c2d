"""The feedback pages: who reaches what, and bad input answered in Vietnamese (never 500)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from motcua.core.models import AuditEntry
from motcua.feedback import services
from motcua.feedback.models import Feedback, Kiosk, Rating, Source
from motcua.feedback.views import KIOSK_COOKIE
from tests import factories
from tests.feedback.helpers import ALL_GOOD, returned

RATING_POST = {f"tieu-chi-{k}": str(v) for k, v in ALL_GOOD.items()}


def test_online_rating_page(client, world):
    dossier = returned(world)
    url = f"/ho-so-cua-toi/{dossier.code}/danh-gia/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(world.desk)
    assert client.get(url).status_code == 404
    client.force_login(world.citizen)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert url in page  # the dossier page links to it
    page = client.get(url).content.decode()
    assert "Thái độ của cán bộ, công chức" in page and "Không đạt" in page

    bad = client.post(url, {**RATING_POST, "tieu-chi-1": "9"})
    assert bad.status_code == 400 and "không hợp lệ" in bad.content.decode()
    missing = client.post(url, {k: v for k, v in RATING_POST.items() if k != "tieu-chi-3"})
    assert missing.status_code == 400 and "Vui lòng chọn mức đánh giá" in missing.content.decode()
    assert client.post(url, RATING_POST).status_code == 302
    assert Rating.objects.get(dossier=dossier).source == Source.ONLINE
    assert "Bạn đã đánh giá lúc" in client.get(url).content.decode()


def test_online_rating_waits_for_the_result(client, world):
    dossier = world.submit_online()
    client.force_login(world.citizen)
    url = f"/ho-so-cua-toi/{dossier.code}/danh-gia/"
    assert "sau khi nhận kết quả" in client.get(url).content.decode()
    answer = client.post(url, RATING_POST)
    assert answer.status_code == 409 and "chưa được trả kết quả" in answer.content.decode()


def test_kiosk_is_opened_by_an_officer_and_reads_nothing_else(client, world):
    dossier = returned(world)
    closed = client.get("/mot-cua/danh-gia/")
    assert closed.status_code == 403 and "chưa được mở" in closed.content.decode()
    client.force_login(world.citizen)
    assert client.get("/mot-cua/danh-gia/mo/").status_code == 403

    tablet = Client()
    tablet.force_login(world.desk)
    assert "Mở màn hình đánh giá" in tablet.get("/mot-cua/danh-gia/mo/").content.decode()
    opened = tablet.post("/mot-cua/danh-gia/mo/")
    assert opened.status_code == 302 and KIOSK_COOKIE in opened.cookies
    assert opened.cookies[KIOSK_COOKIE]["httponly"] and Kiosk.objects.count() == 1
    # The officer is logged out of the tablet: it reaches no other page.
    for url in ("/mot-cua/", "/mot-cua/phan-anh/", f"/mot-cua/ho-so/{dossier.code}/"):
        assert tablet.get(url).status_code == 302, url
    assert tablet.get(f"/ho-so-cua-toi/{dossier.code}/").status_code == 302

    home = tablet.get("/mot-cua/danh-gia/").content.decode()
    assert dossier.code in home and dossier.applicant_name not in home
    other = world.submit_online(procedure=factories.procedure(world.other_dept, code="1.000002"))
    assert tablet.get(f"/mot-cua/danh-gia/ho-so/{other.code}/").status_code == 404
    open_one = world.submit_online()
    page = tablet.get(f"/mot-cua/danh-gia/ho-so/{open_one.code}/")
    assert page.status_code == 409 and "chưa được trả kết quả" in page.content.decode()
    typed = tablet.post("/mot-cua/danh-gia/", {"ma-ho-so": dossier.code.lower()})
    assert typed.url == f"/mot-cua/danh-gia/ho-so/{dossier.code}/"
    scanned = tablet.post("/mot-cua/danh-gia/", {"ma-ho-so": f"{dossier.code}|1.013225|0010"})
    assert scanned.url == f"/mot-cua/danh-gia/ho-so/{dossier.code}/"  # the receipt's QR code
    empty = tablet.post("/mot-cua/danh-gia/", {"ma-ho-so": " "})
    assert empty.status_code == 400 and "Vui lòng nhập mã hồ sơ" in empty.content.decode()

    url = f"/mot-cua/danh-gia/ho-so/{dossier.code}/"
    bad = tablet.post(url, {**RATING_POST, "tieu-chi-2": "x"})
    assert bad.status_code == 400 and "không hợp lệ" in bad.content.decode()
    assert tablet.post(url, RATING_POST).url == "/mot-cua/danh-gia/cam-on/"
    assert Rating.objects.get(dossier=dossier).source == Source.COUNTER
    twice = tablet.post(url, RATING_POST)
    assert twice.status_code == 409 and "đã được đánh giá" in twice.content.decode()
    assert dossier.code not in tablet.get("/mot-cua/danh-gia/").content.decode()

    tablet.post("/mot-cua/danh-gia/dong/")
    assert Kiosk.objects.get().closed_at is not None
    assert tablet.get("/mot-cua/danh-gia/").status_code == 403


def _feedback(world, **changes):
    data = dict(
        kind=Feedback.Kind.REPORT,
        content="Chờ ở quầy hơn hai giờ, gọi 0912345678 không ai nghe.",
        name="Trần Thị Bình",
        contact="0912345678",
        consent_publish=True,
        agency_id=world.dept.pk,
    )
    data.update(changes)
    return services.submit_feedback(world.citizen, services.Submission(**data))


def test_citizen_submits_and_reads_the_answer(client, world):
    assert client.get("/hoi-dap/gui/").status_code == 302
    client.force_login(world.citizen)
    form = client.get("/hoi-dap/gui/").content.decode()
    assert "Tôi đồng ý công khai" in form
    bad = client.post("/hoi-dap/gui/", {"loai": "report", "noi-dung": "ngắn"})
    assert bad.status_code == 400 and "ít nhất 10 ký tự" in bad.content.decode()
    posted = client.post(
        "/hoi-dap/gui/",
        {
            "loai": "proposal",
            "co-quan": str(world.dept.pk),
            "noi-dung": "Đề nghị bố trí thêm ghế chờ tại quầy.",
            "ho-ten": "Nguyễn Văn Dân",
            "lien-he": "dan@example.vn",
            "dong-y-cong-khai": "1",
        },
    )
    assert posted.status_code == 302
    item = Feedback.objects.get()
    assert item.consent_publish and item.agency == world.dept and item.author == world.citizen
    services.answer(item, world.desk, "Đã bố trí thêm mười ghế chờ từ ngày 10/12.")
    mine = client.get("/hoi-dap/cua-toi/").content.decode()
    assert "Đã bố trí thêm mười ghế chờ" in mine
    client.force_login(world.desk)
    assert client.get("/hoi-dap/gui/").status_code == 403


def test_handling_pages_by_agency(client, world):
    item = _feedback(world)
    late = _feedback(world, content="Phản ánh cũ chưa được trả lời đến nay.")
    past = timezone.now() - dt.timedelta(days=40)
    Feedback.objects.filter(pk=late.pk).update(
        received_at=past, due_at=services.due_for("report", past)
    )
    url = f"/mot-cua/phan-anh/{item.pk}/"
    # Anonymous: to the login page, even when posting an answer.
    post = client.post(url, {"thao-tac": "tra-loi", "tra-loi": "Trả lời của người lạ."})
    assert post.status_code == 302 and "/dang-nhap/" in post.url
    client.force_login(world.citizen)
    assert client.get("/mot-cua/phan-anh/").status_code == 403
    assert client.post(url, {"thao-tac": "tra-loi", "tra-loi": "x" * 20}).status_code == 403
    client.force_login(world.other_desk)
    assert client.get(url).status_code == 404
    assert f'data-pk="{item.pk}"' not in client.get("/mot-cua/phan-anh/").content.decode()

    client.force_login(world.desk)
    listing = client.get("/mot-cua/phan-anh/").content.decode()
    assert f'data-pk="{item.pk}"' in listing and "1 quá hạn" in listing
    overdue = client.get("/mot-cua/phan-anh/?loc=qua-han").content.decode()
    assert f'data-pk="{late.pk}"' in overdue and f'data-pk="{item.pk}"' not in overdue
    assert client.get("/mot-cua/phan-anh/?loc=<script>").status_code == 200
    page = client.get(url).content.decode()
    assert "Trần Thị Bình" in page  # the sender, for the officer, and the read is logged
    assert AuditEntry.objects.filter(action="read", object_type="feedback").exists()

    short = client.post(url, {"thao-tac": "tra-loi", "tra-loi": "ok"})
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.content.decode()
    wrong = client.post(url, {"thao-tac": "phan-cong", "can-bo": str(world.other_desk.pk)})
    assert wrong.status_code == 400 and "thuộc cơ quan xử lý" in wrong.content.decode()
    assert client.post(url, {"thao-tac": "xoa"}).status_code == 400
    done = client.post(url, {"thao-tac": "tra-loi", "tra-loi": "Đã bố trí thêm cán bộ tại quầy."})
    assert done.status_code == 302
    published = client.post(
        url,
        {
            "thao-tac": "cong-khai",
            "cau-hoi-cong-khai": "Chờ ở quầy hơn hai giờ, gọi 0912345678 không ai nghe.",
            "tra-loi-cong-khai": "Đã bố trí thêm cán bộ tại quầy.",
        },
    )
    assert published.status_code == 302

    public = Client().get("/hoi-dap/").content.decode()
    assert "Chờ ở quầy hơn hai giờ" in public and "0912345678" not in public
    assert "Trần Thị Bình" not in public
    assert "Phản ánh cũ" not in public  # not answered, not published
    assert "Chờ ở quầy" in Client().get("/hoi-dap/?q=quầy").content.decode()


@pytest.mark.parametrize("path", ["/hoi-dap/?trang=abc", "/hoi-dap/?q=%00", "/hoi-dap/?trang=999"])
def test_public_page_takes_odd_parameters(client, db, path):
    # A NUL byte is refused by the project's middleware with its Vietnamese 400 page.
    assert client.get(path).status_code in (200, 400)


def test_admin_pages(client, world):
    from django.contrib.auth.models import User

    item = _feedback(world)
    kiosk, _ = services.open_kiosk(world.desk)
    client.force_login(User.objects.create_superuser("root", "root@example.vn", "x" * 16))
    for url in (
        "/admin/feedback/feedback/",
        f"/admin/feedback/feedback/{item.pk}/change/",
        "/admin/feedback/handlinglimit/",
        "/admin/feedback/kiosk/",
        f"/admin/feedback/kiosk/{kiosk.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert kiosk.token_hash not in client.get(url).content.decode()


def test_rate_limits(client, world, monkeypatch):
    from motcua.feedback import views

    monkeypatch.setattr(views, "KIOSK_CODES_PER_10_MIN", 2)
    monkeypatch.setattr(views, "FEEDBACK_PER_HOUR", 1)
    _, token = services.open_kiosk(world.desk)
    client.cookies[KIOSK_COOKIE] = token
    for n in range(2):
        assert client.get(f"/mot-cua/danh-gia/ho-so/X{n}/").status_code == 404
    refused = client.get("/mot-cua/danh-gia/ho-so/X3/")
    assert refused.status_code == 429 and "Quá nhiều lượt" in refused.content.decode()

    citizen = Client()
    citizen.force_login(world.citizen)
    post = {
        "loai": "question",
        "co-quan": str(world.dept.pk),
        "noi-dung": "Hỏi về thời gian làm việc của bộ phận một cửa.",
        "ho-ten": "Dân",
        "lien-he": "0912345678",
    }
    assert citizen.post("/hoi-dap/gui/", post).status_code == 302
    again = citizen.post("/hoi-dap/gui/", post)
    assert again.status_code == 429 and "Vui lòng thử lại sau" in again.content.decode()
    assert Feedback.objects.count() == 1
