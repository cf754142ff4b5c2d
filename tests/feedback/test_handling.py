"""Feedback (hỏi đáp, phản ánh, kiến nghị): received with a due time in working days,
assigned, answered (on time or not, counted by the service index), published only with
consent and without personal data."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from motcua.catalog.models import Agency
from motcua.core.calendar import WorkingCalendar, forget_cached_calendar
from motcua.core.models import AuditEntry, CalendarDay
from motcua.core.problems import IllegalTransition, InvalidInput, NotAllowed
from motcua.feedback import policy, services
from motcua.feedback.models import Feedback, HandlingLimit
from tests import factories
from tests.feedback.helpers import satisfaction


def submit(world, user=None, **changes):
    data = dict(
        kind=Feedback.Kind.REPORT,
        content="Bộ phận một cửa hẹn trả kết quả nhưng không trả đúng ngày.",
        name="Nguyễn Văn Dân",
        contact="0912 345 678, dan@example.vn",
        consent_publish=True,
        agency_id=world.dept.pk,
    )
    data.update(changes)
    return services.submit_feedback(user or world.citizen, services.Submission(**data))


def test_received_with_its_due_time_in_working_days(world):
    item = submit(world)
    assert item.agency == world.dept and item.status == Feedback.Status.OPEN
    assert HandlingLimit.objects.get(kind="report").working_days == 15
    expected = WorkingCalendar().add_days(item.received_at, 15)
    assert item.due_at == expected
    assert AuditEntry.objects.filter(action="feedback.received", object_id=str(item.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"content": "ngắn"}, "ít nhất 10 ký tự"),
        ({"content": "x" * 4001}, "tối đa 4000"),
        ({"name": ""}, "họ tên"),
        ({"contact": "   "}, "số điện thoại"),
        ({"kind": "khieu-nai"}, "không hợp lệ"),
        ({"agency_id": None}, "chọn cơ quan"),
        ({"dossier_code": "37-000000-0000"}, "Không tìm thấy hồ sơ"),
    ],
)
def test_bad_submissions_are_refused_in_vietnamese(world, changes, message):
    with pytest.raises(InvalidInput, match=message):
        submit(world, **changes)


def test_only_citizens_submit_and_only_about_their_own_dossiers(world):
    with pytest.raises(NotAllowed):
        submit(world, user=world.desk)
    dossier = world.submit_online()
    with pytest.raises(InvalidInput, match="Không tìm thấy hồ sơ"):
        submit(world, user=world.other_citizen, dossier_code=dossier.code)
    item = submit(world, dossier_code=dossier.code, agency_id=None)
    assert item.dossier == dossier and item.agency_id == dossier.agency_id


def test_assign_and_answer_by_the_agency_only(world):
    item = submit(world)
    # Another agency's officer does not see it, cannot assign or answer it.
    assert not policy.can_see(world.other_desk, item)
    with pytest.raises(NotAllowed):
        services.assign(item, world.other_desk, assignee=world.other_desk)
    with pytest.raises(NotAllowed):
        services.answer(item, world.other_leader, "Chúng tôi đã kiểm tra và trả lời như sau.")
    # Anonymous visitors and citizens neither.
    for user in (None, world.citizen):
        with pytest.raises(NotAllowed):
            services.answer(item, user, "Chúng tôi đã kiểm tra và trả lời như sau.")
    # A specialist answers only once it is assigned to them.
    with pytest.raises(NotAllowed):
        services.answer(item, world.specialist, "Chúng tôi đã kiểm tra và trả lời như sau.")
    with pytest.raises(InvalidInput, match="thuộc cơ quan xử lý"):
        services.assign(item, world.leader, assignee=world.other_desk)
    item = services.assign(item, world.leader, assignee=world.specialist)
    assert item.assignee == world.specialist
    item = services.answer(item, world.specialist, "Hồ sơ đã được trả kết quả ngày 05/12.")
    assert item.status == Feedback.Status.ANSWERED and item.on_time
    assert item.answered_by == world.specialist
    with pytest.raises(IllegalTransition, match="đã được trả lời"):
        services.answer(item, world.leader, "Trả lời lần hai, không được nhận.")
    counts, _, hl2 = satisfaction()
    assert (counts["feedback"], counts["on_time"], hl2) == (1, 1, 1.0)


def test_transfer_to_another_agency(world):
    item = submit(world)
    item = services.assign(item, world.desk, agency=world.other_dept)
    assert item.agency == world.other_dept and item.assignee is None
    assert not policy.can_see(world.desk, item) and policy.can_see(world.other_desk, item)


def test_unassigned_national_feedback_goes_to_the_province_desk(world):
    item, _ = services.record_feedback(
        services.FeedbackData(
            source="dvcqg",
            kind=Feedback.Kind.QUESTION,
            content="Thủ tục cấp phép xây dựng cần những giấy tờ gì?",
            received_at=timezone.now(),
            external_id="CH7",
        )
    )
    assert item.agency is None and item.due_at is not None
    assert not policy.can_see(world.desk, item)  # a department's desk
    root = User.objects.create_superuser("root", "root@example.vn", "x" * 16)
    with pytest.raises(InvalidInput, match="phân công cơ quan xử lý trước"):
        services.answer(item, root, "Hồ sơ gồm đơn đề nghị và bản vẽ thiết kế.")
    province = factories.agency("000.00.00.H37", "Văn phòng UBND tỉnh", Agency.Level.PROVINCE)
    hub = factories.officer(province, "desk", "province-desk")
    assert policy.can_see(hub, item)
    item = services.assign(item, hub, agency=world.dept)
    assert policy.can_see(world.desk, item)
    item = services.answer(item, world.desk, "Hồ sơ gồm đơn đề nghị và bản vẽ thiết kế.")
    assert item.on_time


def test_on_time_is_counted_on_working_days_across_a_holiday(world):
    now = timezone.now()
    received = now - dt.timedelta(days=25)
    item = submit(world)
    # Without a holiday, 15 working days from 25 days ago have passed.
    assert services.due_for("report", received) < now
    week = [received.date() + dt.timedelta(days=n) for n in range(1, 8)]
    for day in week:
        if day.weekday() < 5:
            CalendarDay.objects.update_or_create(date=day, defaults={"kind": "holiday"})
    forget_cached_calendar()
    due = services.due_for("report", received)
    assert due > now  # a week of holidays moves the limit past today
    Feedback.objects.filter(pk=item.pk).update(received_at=received, due_at=due)
    item.refresh_from_db()
    item = services.answer(item, world.desk, "Đã kiểm tra, hồ sơ được giải quyết đúng quy định.")
    assert item.on_time and (now - received).days > 21  # late in plain days, on time here

    late = submit(world)
    received = now - dt.timedelta(days=40)
    Feedback.objects.filter(pk=late.pk).update(
        received_at=received, due_at=services.due_for("report", received)
    )
    late.refresh_from_db()
    late = services.answer(late, world.desk, "Xin lỗi vì trả lời chậm; hồ sơ đã được xử lý.")
    assert late.on_time is False
    counts, _, hl2 = satisfaction()
    assert (counts["feedback"], counts["on_time"], hl2) == (2, 1, 0.5)


def test_publish_only_with_consent_and_without_personal_data(world):
    private = submit(world, consent_publish=False)
    private = services.answer(private, world.desk, "Đã tiếp nhận và xử lý theo quy định.")
    with pytest.raises(NotAllowed, match="không đồng ý công khai"):
        services.publish(private, world.leader)

    item = submit(
        world,
        content="Tôi là Nguyễn Văn Dân, CCCD 001090000001, gọi 0912.345.678 hoặc "
        "dan@example.vn mà không ai nghe máy.",
    )
    with pytest.raises(NotAllowed):  # not answered yet
        services.publish(item, world.leader)
    item = services.answer(item, world.desk, "Đã liên hệ lại ông Nguyễn Văn Dân qua 0912345678.")
    with pytest.raises(NotAllowed):
        services.publish(item, world.other_leader)
    item = services.publish(item, world.leader)
    assert item.published_at is not None
    for secret in ("Nguyễn Văn Dân", "001090000001", "0912.345.678", "0912345678", "dan@"):
        assert secret not in item.public_question and secret not in item.public_answer
    assert "[đã ẩn]" in item.public_question and "không ai nghe máy" in item.public_question
    # Whatever the officer types is redacted again.
    other = submit(world)
    other = services.answer(other, world.desk, "Đã trả lời qua điện thoại.")
    other = services.publish(other, world.desk, question="Gọi 0987654321 không được.")
    assert other.public_question == "Gọi [đã ẩn] không được."
