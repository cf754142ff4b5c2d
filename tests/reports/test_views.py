"""The report page: who may open which unit, periods refused in Vietnamese, downloads."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from motcua.catalog.models import AdministrativeUnit, Agency
from tests.reports.test_numbers import story  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
APRIL = {"ky": "thang", "nam": "2026", "thang": "4"}


def _page(world, kind="co-quan", pk=None):
    return reverse("reports:page", args=[kind, world.dept.pk if pk is None else pk])


def test_leader_sees_own_agency_report(client, world, story):  # noqa: F811
    client.force_login(world.leader)
    page = client.get(_page(world), APRIL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tháng 04/2026" in text and "Từ kỳ trước chuyển sang" in text
    assert "Tải về .xlsx" in text and "Tải về PDF" in text
    assert "Giải quyết quá hạn" in text  # B in the late list
    # Only one unit: the list goes straight to it.
    assert client.get(reverse("reports:units")).url == _page(world)


def test_another_agencys_officers_are_refused(client, world, story):  # noqa: F811
    for user in (world.other_leader, world.other_desk, world.desk, world.citizen):
        client.force_login(user)
        assert client.get(_page(world), APRIL).status_code == 403, user
        download = reverse("reports:download", args=["co-quan", world.dept.pk, "xlsx"])
        assert client.get(download, APRIL).status_code == 403
    # The province's report is for whoever sees every unit.
    client.force_login(world.leader)
    assert client.get(_page(world, "tinh", 0), APRIL).status_code == 403
    assert client.get(_page(world, "co-quan", 999999), APRIL).status_code == 404
    assert client.get(_page(world, "hanh-tinh", 1), APRIL).status_code == 404


def test_officer_given_the_permission_makes_own_agency_report(client, world, story):  # noqa: F811
    world.desk.user_permissions.add(Permission.objects.get(codename="make_report"))
    client.force_login(world.desk)
    assert client.get(_page(world), APRIL).status_code == 200
    assert client.get(_page(world, pk=world.other_dept.pk), APRIL).status_code == 403


def test_province_leader_sees_every_unit(client, world, story):  # noqa: F811
    root = AdministrativeUnit.objects.filter(parent=None).first()
    province_agency = Agency.objects.create(
        identifier="000.00.00.H37",
        name="Văn phòng UBND tỉnh",
        level=Agency.Level.PROVINCE,
        unit=root,
        province_code=world.dept.province_code,
    )
    from tests import factories

    leader = factories.officer(province_agency, "leader", "province-leader")
    client.force_login(leader)
    units = client.get(reverse("reports:units"))
    assert units.status_code == 200 and world.dept.name in units.content.decode()
    page = client.get(_page(world, "tinh", 0), {**APRIL, "nhom": "don-vi"})
    assert page.status_code == 200 and world.dept.name in page.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"ky": "thang", "thang": "13"},
        {"ky": "tuần"},
        {"ky": "tuy-chon", "tu": "2026-05", "den": "2026-01"},
        {"ky": "tuy-chon", "tu": "x"},
        {"ky": "nam", "nam": "abc"},
        {"ky": "thang", "nam": "2026", "thang": "4", "nhom": "x"},
    ],
)
def test_bad_periods_answered_in_vietnamese(client, world, params):
    client.force_login(world.leader)
    page = client.get(_page(world), params)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    download = reverse("reports:download", args=["co-quan", world.dept.pk, "pdf"])
    answer = client.get(download, params)
    assert answer.status_code == 400
    assert any(ch in answer.content.decode() for ch in "ạảãáàăâđêôơư")


def test_downloads(client, world, story):  # noqa: F811
    client.force_login(world.leader)
    for fmt, magic in (("xlsx", b"PK\x03\x04"), ("pdf", b"%PDF-")):
        answer = client.get(
            reverse("reports:download", args=["co-quan", world.dept.pk, fmt]), APRIL
        )
        assert answer.status_code == 200 and answer.content.startswith(magic)
        assert (
            f"bao-cao-06-co-quan-{world.dept.pk}-202604-202604.{fmt}"
            in answer["Content-Disposition"]
        )
    bad = reverse("reports:download", args=["co-quan", world.dept.pk, "docx"])
    assert client.get(bad, APRIL).status_code == 404
