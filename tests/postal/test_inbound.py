"""Paper dossiers sent in by post: the handover time is the legal submission time (already
modelled); the parcel they came in (its tracking number) is now kept with the dossier, at
the desk's intake page and through the API."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.postal.models import PostalEvent, PostalOrder
from tests import factories
from tests.dossiers.test_api import assert_problem, client_for

URL = "/api/v1/postal/inbound/"


def _intake(client, world, **extra):
    url = reverse("desk:intake") + f"?thu_tuc={world.proc.code}"
    return client.post(
        url,
        {
            "channel": "post",
            "handed_over_at": "2026-11-28T09:15",
            "name": "Trần Thị Bưu",
            "id_number": "001090000002",
            "return_channel": "desk",
            **extra,
        },
    )


def test_the_desk_intake_keeps_the_parcel(client, world, units):
    client.force_login(world.desk)
    response = _intake(client, world, postal_tracking_number=" eb 123 456 789 vn ")
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    order = PostalOrder.objects.get()
    assert (order.dossier, order.direction) == (dossier, PostalOrder.Direction.INBOUND)
    assert order.tracking_number == "EB123456789VN"
    assert order.handed_over_at == dossier.submitted_at  # the legal time of submission
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "EB123456789VN" in page and "Hồ sơ người nộp gửi đến" in page


def test_a_taken_or_malformed_tracking_number_is_refused_at_the_desk(client, world, units):
    client.force_login(world.desk)
    assert _intake(client, world, postal_tracking_number="EB1").status_code == 302
    response = _intake(client, world, postal_tracking_number="eb1")
    assert response.status_code == 400
    assert "đã gắn với một hồ sơ khác" in response.content.decode()
    response = _intake(client, world, postal_tracking_number="EB-1/2")
    assert response.status_code == 400
    assert "Mã vận đơn không hợp lệ" in response.content.decode()
    assert Dossier.objects.count() == 1


def test_a_desk_dossier_does_not_keep_a_parcel(client, world, units):
    client.force_login(world.desk)
    response = _intake(client, world, channel="desk", postal_tracking_number="EB9")
    assert response.status_code == 302
    assert not PostalOrder.objects.exists()


def test_the_api_attaches_the_parcel_and_matches_earlier_events(world, units, db):
    handed = timezone.now() - dt.timedelta(days=1)
    dossier = dossier_services.submit(
        procedure=world.proc,
        applicant=factories.applicant(),
        actor=world.desk,
        channel="post",
        handed_over_at=handed,
    ).dossier
    PostalEvent.objects.create(
        key="buudien:e1",
        tracking_number="EB5VN",
        kind="delivered",
        occurred_at=handed,
        outcome="unmatched",
        source="webhook",
    )
    desk = client_for(world.desk)
    response = desk.post(URL, {"dossier": dossier.code, "tracking_number": "eb5vn"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["tracking_number"] == "EB5VN"
    again = desk.post(URL, {"dossier": dossier.code, "tracking_number": "EB5VN"}, format="json")
    assert again.status_code == 201 and PostalOrder.objects.count() == 1
    assert PostalEvent.objects.get().order.dossier == dossier
    assert_problem(client_for(world.citizen).post(URL, {}, format="json"), 400)
    assert_problem(
        client_for(world.other_desk).post(
            URL, {"dossier": dossier.code, "tracking_number": "EB6"}, format="json"
        ),
        404,
    )
    online = world.submit_online()
    assert_problem(
        desk.post(URL, {"dossier": online.code, "tracking_number": "EB7"}, format="json"),
        409,
        "illegal_transition",
    )
    assert_problem(client_for(None).post(URL, {}, format="json"), 401)
