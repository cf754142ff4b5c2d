"""The queue's search box, filters, "due soon" list, saved filters and .xlsx export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.desk import selectors as desk_selectors
from motcua.desk.models import SavedFilter
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier
from tests import factories
from tests.dossiers.test_documents import _xlsx_rows

pytestmark = pytest.mark.django_db
QUEUE = "/mot-cua/"


def _desk_dossier(world, name, id_number, phone="0912000111", procedure=None):
    return services.submit(
        procedure=procedure or world.proc,
        applicant=services.ApplicantData(name=name, id_number=id_number, phone=phone),
        actor=world.desk,
        channel=Channel.DESK,
        uploads=[],
    ).dossier


def _codes(client, **params) -> set[str]:
    response = client.get(QUEUE, params)
    assert response.status_code == 200, response.content.decode()[:500]
    body = response.content.decode()
    return {d.code for d in Dossier.objects.all() if f'data-code="{d.code}"' in body}


@pytest.fixture
def three(world):
    a = _desk_dossier(world, "Nguyễn Văn An", "001090000011", "0912000111")
    b = _desk_dossier(world, "Trần Thị Bình", "001090000022", "0988777666")
    c = _desk_dossier(world, "Đặng Đức Hùng", "001090000033", "0977111222")
    return a, b, c


def test_folded_name_is_stored(three):
    a, _, c = three
    assert a.applicant_name_folded == "nguyen van an"
    assert Dossier.objects.get(pk=c.pk).applicant_name_folded == "dang duc hung"


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("nguyen van an", 0),
        ("Nguyễn Văn An", 0),
        ("VAN AN", 0),
        ("thi binh", 1),
        ("dang duc", 2),  # đ typed as d
        ("Đặng", 2),
        ("001090000022", 1),
        ("0988 777 666", 1),
        ("+84988777666", 1),
        ("0977.111.222", 2),
    ],
)
def test_one_box_finds_by_name_id_number_or_phone(client, world, three, query, who):
    client.force_login(world.desk)
    assert _codes(client, q=query) == {three[who].code}


def test_code_finds_the_dossier_even_when_closed(client, world, three):
    a = three[0]
    services.withdraw(a, world.desk, "Người nộp xin rút hồ sơ")
    client.force_login(world.desk)
    assert a.code not in _codes(client)  # the day's list shows open dossiers only
    assert _codes(client, q=a.code.lower()) == {a.code}


def test_search_never_reaches_other_agencies(client, world, three):
    client.force_login(world.other_desk)
    assert _codes(client, q="nguyen van an") == set()
    assert _codes(client, q=three[0].code) == set()


def test_filters_by_procedure_channel_status_and_assignee(client, world, three):
    online = world.submit_online()
    client.force_login(world.desk)
    assert _codes(client, kenh="online") == {online.code}
    assert _codes(client, kenh="desk") == {d.code for d in three}
    assert _codes(client, thu_tuc=world.proc.code) == {online.code, *(d.code for d in three)}
    assert _codes(client, thu_tuc="9.999999") == set()
    assert _codes(client, trang_thai="submitted") == {online.code}
    assert _codes(client, linh_vuc=world.proc.field_id) == {
        online.code,
        *(d.code for d in three),
    }
    services.assign(three[1], world.desk, to_agency=world.dept, to_user=world.specialist)
    assert _codes(client, can_bo=world.specialist.pk) == {three[1].code}


def test_date_filters_in_vietnamese_format(client, world, three):
    client.force_login(world.desk)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    fmt = "%d/%m/%Y"
    assert _codes(client, nhan_tu=today.strftime(fmt)) == {d.code for d in three}
    assert _codes(client, nhan_den=yesterday.strftime(fmt)) == set()
    due = timezone.localtime(three[0].due_at).date()
    assert three[0].code in _codes(client, han_tu=due.strftime(fmt), han_den=due.strftime(fmt))


def test_bad_filter_values_answer_in_vietnamese_not_500(client, world, three):
    client.force_login(world.desk)
    for params in [
        {"nhan_tu": "12/31/2026"},
        {"sap_den_han": "abc"},
        {"can_bo": "x"},
        {"trang_thai": "nope"},
        {"nhan_tu": "05/09/2026", "nhan_den": "01/09/2026"},
    ]:
        response = client.get(QUEUE, params)
        assert response.status_code == 400, params
        body = response.content.decode()
        assert "field-error" in body


def test_due_within_working_days(client, world, three):
    client.force_login(world.desk)
    soon = three[0]
    # Move one appointment to tomorrow morning's working time, the others far away.
    cutoff = desk_selectors.due_within_cutoff(1)
    Dossier.objects.filter(pk=soon.pk).update(due_at=cutoff - dt.timedelta(minutes=5))
    Dossier.objects.exclude(pk=soon.pk).update(due_at=cutoff + dt.timedelta(days=30))
    assert _codes(client, sap_den_han=1) == {soon.code}
    assert _codes(client, sap_den_han=60) == {d.code for d in three}


def test_saved_filters_are_per_officer(client, world, three):
    client.force_login(world.desk)
    response = client.post(
        reverse("desk:save_filter"),
        {"name": "Tên Bình", "query": "q=thi+binh&trang=3&xuat=xlsx"},
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=world.desk)
    assert saved.query == "q=thi+binh"  # page and export flags are not kept
    body = client.get(QUEUE).content.decode()
    assert "Tên Bình" in body and "?q=thi+binh" in body
    assert _codes(client, q="thi binh") == {three[1].code}
    # Same name again: replaced, not duplicated.
    client.post(reverse("desk:save_filter"), {"name": "Tên Bình", "query": "q=an"})
    assert SavedFilter.objects.get(user=world.desk).query == "q=an"
    client.get(QUEUE)  # the "saved" message shown
    # Another officer neither sees nor deletes it.
    client.force_login(world.specialist)
    assert "Tên Bình" not in client.get(QUEUE).content.decode()
    client.post(reverse("desk:delete_filter", args=[saved.pk]))
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.force_login(world.desk)
    client.post(reverse("desk:delete_filter", args=[saved.pk]))
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_saved_filter_needs_a_name(client, world):
    client.force_login(world.desk)
    response = client.post(reverse("desk:save_filter"), {"name": " \u200b ", "query": "q=a"})
    assert response.status_code == 302
    assert not SavedFilter.objects.exists()
    assert "đặt tên" in client.get(QUEUE).content.decode()


def test_export_xlsx_lists_the_filtered_rows(client, world, three):
    client.force_login(world.desk)
    response = client.get(QUEUE, {"q": "nguyen", "xuat": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    rows = _xlsx_rows(response.content)
    head = next(i for i, r in enumerate(rows) if r[:2] == ["STT", "Mã hồ sơ"])
    data = rows[head + 1 :]
    assert [r[1] for r in data] == [three[0].code]
    assert data[0][4] == "Nguyễn Văn An" and data[0][5] == "001090000011"


def test_list_page_has_print_css_hooks(client, world, three):
    client.force_login(world.desk)
    body = client.get(QUEUE).content.decode()
    assert "data-print" in body and 'class="print-only"' in body
    assert 'id="export-xlsx"' in body


def test_search_uses_indexed_columns(world, three):
    """The name is compared through its folded column, never with a function on the
    original column (which no index could serve)."""
    sql = str(desk_selectors.desk_list(world.desk, desk_selectors.Criteria(q="An")).query)
    assert "applicant_name_folded" in sql and "UPPER" not in sql.upper().replace("UPPER(", "")


def test_factories_unchanged_name():
    assert factories.applicant().name == "Nguyễn Văn Dân"
