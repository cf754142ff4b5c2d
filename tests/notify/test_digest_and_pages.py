"""Officers' daily digest of overdue steps; the citizen's channel page; template editing
in the admin (Vietnamese, unknown placeholders refused, SMS preview with segments)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.core.models import AuditEntry
from motcua.dossiers.models import DossierStep
from motcua.notify import services as notify
from motcua.notify.models import Notice, Preference, Template
from tests.notify.conftest import drain

pytestmark = pytest.mark.django_db


def overdue_step(world, dossier, assignee=None):
    now = timezone.now()
    return DossierStep.objects.create(
        dossier=dossier, order=1, name="Thẩm định hồ sơ", kind="review", role="specialist",
        agency=world.dept, assignee=assignee, budget_minutes=60,
        started_at=now - dt.timedelta(days=2), due_at=now - dt.timedelta(hours=3),
    )  # fmt: skip


def test_digest_tells_each_officer_once_a_day(world, smtp):
    world.specialist.email = "cv@example.vn"
    world.specialist.save()
    world.leader.email = "ld@example.vn"
    world.leader.save()
    first, second = world.submit_online(), world.submit_online()
    overdue_step(world, first, assignee=world.specialist)
    overdue_step(world, second)  # nobody took it: the agency's leaders are told
    DossierStep.objects.create(
        dossier=second,
        order=2,
        name="Trình ký",
        kind="review",
        role="leader",
        agency=world.dept,
        budget_minutes=60,
        started_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip — not overdue
    assert notify.overdue_digest() == 2
    assert notify.overdue_digest() == 0  # the same day: nothing new
    drain()
    mails = {m["To"]: m for m in smtp.messages}
    assert set(mails) == {"cv@example.vn", "ld@example.vn"}
    body = mails["cv@example.vn"].get_content()
    assert f"- {first.code}: Thẩm định hồ sơ (hạn " in body and second.code not in body
    assert "1 bước xử lý quá hạn" in mails["ld@example.vn"]["Subject"]
    assert Notice.objects.filter(kind="overdue_digest", status="sent").count() == 2


def test_digest_needs_email(world, settings):
    settings.MOTCUA_NOTIFY_EMAIL_ENABLED = False
    overdue_step(world, world.submit_online(), assignee=world.specialist)
    assert notify.overdue_digest() == 0


def test_digest_is_scheduled_daily():
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("migrate", verbosity=0)
    schedule = Schedule.objects.get(name="notify-digest")
    assert schedule.func == "motcua.notify.jobs.overdue_digest"
    assert schedule.schedule_type == Schedule.DAILY
    local = timezone.localtime(schedule.next_run)
    assert (local.hour, local.minute) == (7, 0)


def test_citizen_chooses_channels(world, client):
    client.force_login(world.citizen)
    page = client.get(reverse("accounts:account"))
    assert reverse("notify:preferences") in page.content.decode()
    page = client.get(reverse("notify:preferences"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kênh nhận thông báo" in html and 'name="email" id="id_email" checked' in html
    answer = client.post(reverse("notify:preferences"), {"sms": "on", "zalo": "on"})
    assert answer.status_code == 302
    pref = Preference.objects.get(user=world.citizen)
    assert (pref.email, pref.sms, pref.zalo) == (False, True, True)
    assert AuditEntry.objects.filter(action="notify.preferences").count() == 1
    assert notify.preferences(world.citizen.pk) == {"email": False, "sms": True, "zalo": True}


def test_preferences_need_login(client):
    answer = client.get(reverse("notify:preferences"))
    assert answer.status_code == 302 and "dang-nhap" in answer["Location"]


def test_admin_edits_a_template(admin_client):
    template = Template.objects.get(kind="refused", channel="sms")
    url = reverse("admin:notify_template_change", args=[template.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "phần tin nhắn" in html and "{ly_do}" in html
    refused = admin_client.post(
        url, {"subject": "", "body": "Hồ sơ {ma_hoso} bị từ chối", "active": "on"}
    )
    assert refused.status_code == 200
    assert "Không có trường {ma_hoso}" in refused.content.decode()
    saved = admin_client.post(
        url, {"subject": "", "body": "Hồ sơ {ma_ho_so} không được nhận: {ly_do}", "active": "on"}
    )
    assert saved.status_code == 302
    template.refresh_from_db()
    assert template.body == "Hồ sơ {ma_ho_so} không được nhận: {ly_do}"


def test_seeded_sms_templates_fit_one_segment_with_real_values():
    values = {
        "ma_ho_so": "000.00.01.H37-251201-0001",
        "nguoi_nop": "Nguyễn Thị Ánh Tuyết",
        "thu_tuc": "Cấp giấy phép xây dựng đối với nhà ở riêng lẻ",
        "co_quan": "Sở Xây dựng",
        "ngay_hen": "16:30 15/12/2025",
        "ngay_hen_moi": "16:30 22/12/2025",
        "ly_do": "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan",
        "so_tien": "1.150.000 đồng",
        "giay_to": "Bản vẽ thiết kế; Giấy tờ về quyền sử dụng đất",
        "ma_ket_qua": "000.00.01.H37-251201-0001-KQ1",
        "tra_cuu": "https://dichvucong.ninhbinh.gov.vn/tra-cuu/",
    }
    for template in Template.objects.filter(channel="sms"):
        _, body, parts = notify.compose(template, values)
        assert parts == 1, (template.kind, body)
        assert body.isascii()
