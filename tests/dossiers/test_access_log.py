"""Reads of personal data: audit entries and the applicant's access list, through the API,
the admin site and the service; normalised ID numbers found by the public lookup."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from motcua.core.models import AuditEntry
from motcua.dossiers import selectors, services
from motcua.dossiers.models import DossierAccess
from tests import factories

pytestmark = pytest.mark.django_db

DOSSIERS = "/api/v1/dossiers/"
FULL_WIDTH_ID = "００１０９００００４２１"


def api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def reads() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="read").order_by("id"))


def superuser() -> User:
    return User.objects.create_superuser("quantri", "qt@example.vn", factories.PASSWORD)


# --- normalised at the edge, found by the lookup ---------------------------------------


def test_api_submission_with_full_width_digits_is_found_with_ascii(world):
    body = {
        "procedure_code": world.proc.code,
        "applicant_name": "Nguyễn\u200b Văn\u202e Dân",
        "applicant_id_number": FULL_WIDTH_ID,
        "applicant_phone": "＋８４ ９１２ ３４５ ６７８",
    }
    for component in world.proc.components.all():
        body[f"component_{component.pk}"] = factories.pdf(f"tp{component.pk}.pdf")
    response = api(world.citizen).post(DOSSIERS, body, format="multipart")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["applicant_id_number"] == "001090000421"
    assert data["applicant_name"] == "Nguyễn Văn Dân"
    assert data["applicant_phone"] == "+84912345678"

    lookup = api(None).post(
        "/api/v1/lookup/", {"code": data["code"], "id_number": "001090000421"}, format="json"
    )
    assert lookup.status_code == 200 and lookup.json()["code"] == data["code"]
    # And the other way round: typed in full-width, found all the same.
    lookup = api(None).post(
        "/api/v1/lookup/", {"code": data["code"], "id_number": FULL_WIDTH_ID}, format="json"
    )
    assert lookup.status_code == 200


def test_api_refuses_an_invisible_only_reason(world):
    dossier = world.submit_online()
    response = api(world.desk).post(
        f"{DOSSIERS}{dossier.code}/actions/refuse/",
        {"reason": "\u200b\u200b\u200b\u200b\u200b\u200b"},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    dossier.refresh_from_db()
    assert dossier.status == "submitted"


def test_service_refuses_non_ascii_digits_and_invisible_reasons(world):
    with pytest.raises(services.InvalidInput):
        world.submit_online(applicant=factories.applicant(FULL_WIDTH_ID))
    dossier = world.submit_online()
    with pytest.raises(services.InvalidInput):
        services.refuse(dossier, world.desk, "\u200b" * 10 + "ab")


# --- the service ----------------------------------------------------------------------


def test_a_list_read_is_one_audit_entry_and_one_access_row_per_dossier(world):
    dossiers = [world.submit_online() for _ in range(3)]
    services.record_reads(
        world.desk, dossiers, via=DossierAccess.Via.LIST, fields=["applicant_name"], page="x"
    )
    [entry] = reads()
    assert entry.actor == "desk" and entry.object_id == "list:x"
    assert entry.data == {"fields": ["applicant_name"], "ids": [d.code for d in dossiers]}
    rows = DossierAccess.objects.order_by("id")
    assert [r.dossier_id for r in rows] == [d.pk for d in dossiers]
    assert {(r.role, r.agency_id, r.via) for r in rows} == {("desk", world.dept.pk, "list")}


@pytest.mark.parametrize("page", ["", "x"])
def test_a_read_is_logged_alike_with_or_without_the_audit_head(world, page):
    """PostgreSQL writes the entry and the access rows in one statement (no transaction);
    without the audit head row (a wiped database) nothing of it is written and the rows
    go through the transaction of the ORM path. Both give the same entry and rows, and
    the chain verifies."""
    from motcua.core import audit
    from motcua.core.models import AuditHead

    dossiers = [world.submit_online() for _ in range(2)]
    shown = dossiers if page else dossiers[:1]

    def read() -> tuple[AuditEntry, list[tuple]]:
        start = DossierAccess.objects.count()
        services.record_reads(
            world.desk, shown, via=DossierAccess.Via.API, fields=["applicant_name"], page=page
        )
        rows = DossierAccess.objects.order_by("id")[start:]
        return reads()[-1], [(r.dossier_id, r.role, r.agency_id, r.via) for r in rows]

    with_head, rows_with_head = read()
    AuditHead.objects.filter(pk=1).delete()
    without_head, rows_without_head = read()
    assert (
        rows_with_head == rows_without_head == [(d.pk, "desk", world.dept.pk, "api") for d in shown]
    )
    for entry in (with_head, without_head):
        assert entry.actor == "desk"
        assert entry.object_id == ("list:x" if page else dossiers[0].code)
        extra = {"ids": [d.code for d in shown]} if page else {"via": "api"}
        assert entry.data == {"fields": ["applicant_name"], **extra}
    # The second entry starts a new chain (the head was gone): the first verifies alone.
    assert without_head.prev_hash == audit.GENESIS
    assert with_head.hash == audit._digest(with_head.prev_hash, with_head)


def test_a_read_on_postgresql_is_one_statement(world, django_assert_num_queries):
    from django.db import connection

    # Elsewhere (SQLite): the entry's three statements and the access rows, in the
    # transaction (here the test's own, so no BEGIN of its own).
    expected = 1 if connection.vendor == "postgresql" else 3 + 1
    dossier = world.submit_online()
    with django_assert_num_queries(expected):
        services.record_reads(world.desk, [dossier], via=DossierAccess.Via.API, fields=["a"])
    assert DossierAccess.objects.filter(dossier=dossier).count() == 1
    assert audit_ok()


def audit_ok() -> bool:
    from motcua.core import audit

    return audit.verify().ok


def test_citizens_reading_their_own_dossier_are_not_logged(world):
    dossier = world.submit_online()
    services.record_reads(world.citizen, [dossier], via=DossierAccess.Via.API, fields=["x"])
    assert reads() == [] and not DossierAccess.objects.exists()


def test_accesses_are_grouped_per_day_newest_first_in_one_query(world, django_assert_num_queries):
    dossier = world.submit_online()
    other = world.submit_online()
    for _ in range(3):
        services.record_reads(world.desk, [dossier], via=DossierAccess.Via.PAGE, fields=["a"])
    services.record_reads(world.leader, [dossier], via=DossierAccess.Via.PDF, fields=["a"])
    services.record_reads(world.other_leader, [other], via=DossierAccess.Via.PAGE, fields=["a"])
    with django_assert_num_queries(1):
        lines = selectors.accesses_of(dossier)
    assert [(a["role"], a["agency"], a["via"], a["times"]) for a in lines] == [
        ("Lãnh đạo", "Sở Xây dựng", "Phiếu, văn bản in (PDF)", 1),
        ("Cán bộ một cửa", "Sở Xây dựng", "Trang chi tiết hồ sơ", 3),
    ]


# --- API ------------------------------------------------------------------------------


def test_api_list_is_audited_for_officers_only(world):
    dossiers = [world.submit_online() for _ in range(2)]
    assert api(world.citizen).get(DOSSIERS).status_code == 200
    assert reads() == []
    response = api(world.desk).get(DOSSIERS, {"limit": 1})
    assert response.status_code == 200
    [entry] = reads()
    shown = [row["code"] for row in response.json()["results"]]
    assert entry.object_id == "list:api.dossier_list" and entry.data["ids"] == shown
    assert entry.data["fields"] == ["subject"]
    assert list(DossierAccess.objects.values_list("dossier__code", "via")) == [(shown[0], "api")]
    assert {d.code for d in dossiers} >= set(shown)


def test_api_history_read_by_an_officer_is_audited(world):
    dossier = world.submit_online()
    assert api(world.citizen).get(f"{DOSSIERS}{dossier.code}/events/").status_code == 200
    assert reads() == [] and not DossierAccess.objects.exists()
    assert api(world.desk).get(f"{DOSSIERS}{dossier.code}/events/").status_code == 200
    [entry] = reads()
    assert (entry.actor, entry.object_type, entry.object_id) == (
        "desk",
        "dossier_events",
        dossier.code,
    )
    assert entry.data["fields"] == ["events"]
    assert list(DossierAccess.objects.values_list("dossier__code", "via")) == [
        (dossier.code, "api")
    ]
    # Refused reads leave nothing.
    assert api(world.other_desk).get(f"{DOSSIERS}{dossier.code}/events/").status_code == 404
    assert len(reads()) == 1


def test_api_detail_read_by_an_officer_is_shown_to_the_applicant(world):
    dossier = world.submit_online()
    assert api(world.citizen).get(f"{DOSSIERS}{dossier.code}/").status_code == 200
    assert not DossierAccess.objects.exists()
    assert api(world.leader).get(f"{DOSSIERS}{dossier.code}/").status_code == 200
    [entry] = reads()
    assert entry.object_id == dossier.code and entry.data["via"] == "api"
    [line] = selectors.accesses_of(dossier)
    assert (line["role"], line["agency"]) == ("Lãnh đạo", "Sở Xây dựng")


# --- admin ----------------------------------------------------------------------------


def test_admin_change_page_is_audited(client, world):
    dossier = world.submit_online()
    admin = superuser()
    client.force_login(admin)
    response = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))
    assert response.status_code == 200
    assert "001090000001" in response.content.decode()
    [entry] = reads()
    assert entry.actor == "quantri" and entry.object_id == dossier.code
    assert entry.data["via"] == "admin" and "applicant_id_number" in entry.data["fields"]
    access = DossierAccess.objects.get()
    assert (access.dossier_id, access.role, access.agency_id) == (dossier.pk, "admin", None)


def test_admin_changelist_is_one_entry_naming_the_dossiers_shown(client, world):
    dossiers = [world.submit_online() for _ in range(3)]
    client.force_login(superuser())
    response = client.get(reverse("admin:dossiers_dossier_changelist"))
    assert response.status_code == 200
    assert "Nguyễn Văn Dân" in response.content.decode()
    [entry] = reads()
    assert entry.object_id == "list:admin.dossier_changelist"
    assert sorted(entry.data["ids"]) == sorted(d.code for d in dossiers)
    assert entry.data["fields"] == ["applicant_name"]
    assert DossierAccess.objects.filter(via="admin", role="admin").count() == 3


def test_api_accesses_for_the_applicant_only(world):
    dossier = world.submit_online()
    api(world.desk).get(f"{DOSSIERS}{dossier.code}/")
    url = f"{DOSSIERS}{dossier.code}/accesses/"
    response = api(world.citizen).get(url)
    assert response.status_code == 200
    [line] = response.json()
    assert (line["role"], line["agency"], line["times"]) == ("Cán bộ một cửa", "Sở Xây dựng", 1)
    assert line["via"] == "Phần mềm kết nối (API)"
    # Officers, even of the agency holding it, and other citizens: 404 problem documents.
    for user in (world.desk, world.leader, world.other_desk, world.other_citizen):
        refused = api(user).get(url)
        assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json"
