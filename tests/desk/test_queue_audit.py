"""The desk queue shows applicants' names: each page view is one audit entry naming the
dossiers shown, at a fixed query cost; the desk forms normalise what officers type."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.dossiers.models import Dossier, DossierAccess
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = reverse("desk:queue")


def test_queue_page_view_is_one_audit_entry_naming_the_dossiers_shown(client, world, settings):
    dossiers = [world.submit_online() for _ in range(3)]
    world.submit_online(procedure=world.commune_proc, agency=world.commune)  # not this desk's
    client.force_login(world.desk)
    response = client.get(QUEUE)
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action="read")
    assert entry.actor == "desk" and entry.object_id == "list:desk.queue"
    assert sorted(entry.data["ids"]) == sorted(d.code for d in dossiers)
    assert entry.data["fields"] == ["applicant_name"]
    rows = DossierAccess.objects.all()
    assert sorted(r.dossier_id for r in rows) == sorted(d.pk for d in dossiers)
    assert {(r.role, r.agency_id, r.via) for r in rows} == {("desk", world.dept.pk, "list")}


def test_an_empty_queue_logs_nothing(client, world):
    client.force_login(world.other_desk)
    assert client.get(QUEUE).status_code == 200
    assert not AuditEntry.objects.filter(action="read").exists()


def test_queue_page_cost_does_not_grow_with_the_rows(client, world, django_assert_num_queries):
    for _ in range(12):  # one citizen's dossiers: the account's own ID number each time
        world.submit_online(applicant=factories.applicant())
    client.force_login(world.desk)
    client.get(QUEUE)  # session and caches warm
    # 4 queries before the read log (session, the user with officer and agency in one,
    # counts, rows: the tabs' counts give the unfiltered list's length); the log adds
    # the audit entry and the access rows (on PostgreSQL one statement locks the head,
    # inserts the entry and the rows and moves the head; elsewhere three for the entry,
    # one for the rows); the search form adds the agency's officers and the fields, the
    # saved filters, and the ids of the dossiers with a step in the agency (see
    # desk.selectors.visible_q).
    expected = 9 if connection.vendor == "postgresql" else 12
    with django_assert_num_queries(expected):
        assert client.get(QUEUE).status_code == 200
    assert DossierAccess.objects.count() == 24


def test_desk_intake_normalises_what_the_officer_types(client, world):
    client.force_login(world.desk)
    url = reverse("desk:intake") + f"?thu_tuc={world.proc.code}"
    response = client.post(
        url,
        {
            "channel": "desk",
            "name": "Trần\u200b Thị  Bích",
            "id_number": "０３７ １９０ ０００ ００２",
            "phone": "０９１２-３４５-６７８",
            "address": "Số 1\u202e đường Tràng An",
        },
    )
    assert response.status_code == 302, response.content.decode()
    dossier = Dossier.objects.get()
    assert dossier.applicant_name == "Trần Thị Bích"
    assert dossier.applicant_id_number == "037190000002"
    assert dossier.applicant_phone == "0912345678"
    assert dossier.applicant_address == "Số 1 đường Tràng An"


def test_refusal_with_an_invisible_only_reason_is_refused(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    response = client.post(
        reverse("desk:dossier_action", args=[dossier.code, "refuse"]),
        {"refuse-reason": "\u200b\u2060\ufeff\u200b\u200b\u200b"},
    )
    assert response.status_code == 400
    assert "Vui lòng ghi rõ lý do." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == "submitted"
