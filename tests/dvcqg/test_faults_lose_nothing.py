"""Issue 10 item 7: with the national portal down for a while, then answering 5xx, losing
replies, dropping connections, duplicating and reordering its feed, nothing is lost: every
dossier filed on the portal arrives once, every status of every dossier arrives in order,
and the reconciliation at the end finds nothing to report. Against the real simulator."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.dossiers import services, sync
from motcua.dossiers.models import Dossier, Event
from motcua.dvcqg import intake, reconcile, schemas
from motcua.dvcqg.client import DvcqgClient
from tests.dvcqg.test_intake import file_on_portal, mapped, portal  # noqa: F401

pytestmark = pytest.mark.django_db
S = OutboxMessage.Status


def closed_port_url() -> str:
    """An address where nothing listens: the portal is down (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/dvcqg"


def work(rounds: int = 1) -> int:
    """The worker: every retry made due at once (no waiting for the backoff)."""
    delivered = 0
    for _ in range(rounds):
        OutboxMessage.objects.filter(status=S.PENDING).update(next_attempt_at=timezone.now())
        delivered += outbox.deliver_pending()
    return delivered


def desk_of(world, dossier):
    return world.commune_desk if dossier.agency_id == world.commune.pk else world.desk


def expected_statuses(dossier: Dossier) -> list[int]:
    """The national statuses of the dossier's steps, in order, repeats folded."""
    out: list[int] = []
    for status in (
        Event.objects.filter(dossier=dossier)
        .order_by("id")
        .values_list("national_status", flat=True)
    ):
        if not out or out[-1] != status:
            out.append(status)
    return out


def test_faults_lose_nothing(mapped, portal, control, simulator, settings):  # noqa: F811
    world = mapped
    good_url = settings.MOTCUA_DVCQG_URL
    for i in range(5):  # with the 3 of the demo feed: 8 dossiers filed on the portal
        file_on_portal(control, TrichYeuHoSo=f"Hồ sơ nộp trên Cổng số {i + 1}")
    filed = set(simulator.app.systems["dvcqg"].feed)
    assert len(filed) == 8

    # 1. The portal is down: nothing gets through, nothing is lost.
    settings.MOTCUA_DVCQG_URL = closed_port_url()
    report = intake.pull(DvcqgClient.from_settings())
    assert report.stopped and not report.taken
    local = [world.submit_online(return_choice=services.ReturnChoice("desk")) for _ in range(3)]
    local = [services.receive(d, world.desk) for d in local]
    work(2)  # the applicants' notices leave; the status messages wait
    assert not OutboxMessage.objects.filter(topic=sync.TOPIC, status=S.DELIVERED).exists()
    assert OutboxMessage.objects.filter(topic=sync.TOPIC, status=S.PENDING, attempts=2).count() == 3
    local[0] = services.assign(local[0], world.desk, to_agency=world.dept, to_user=world.specialist)

    # 2. Back, but unwell: 5xx, lost replies, dropped connections; the feed duplicated,
    # reordered, and failing now and then.
    settings.MOTCUA_DVCQG_URL = good_url
    rules = [
        {"endpoint": "dvcqg", "error_rate": 0.25, "error_after_rate": 0.15, "drop_rate": 0.05},
        {"endpoint": "dvcqg.LayDanhSachHoSo", "duplicate_rate": 0.5, "reorder": True,
         "error_rate": 0.2},
        {"endpoint": "dvcqg.XacNhanHoSo", "error_rate": 0.3, "error_after_rate": 0.2},
    ]  # fmt: skip
    assert control.post("/_control/faults", json={"rules": rules}).status_code == 200
    client = DvcqgClient.from_settings()
    taken_twice = 0
    for round_ in range(40):
        pull = intake.pull(client, page_size=3)
        taken_twice += len(pull.duplicates)
        # The desks work on what has arrived, while earlier messages may still be retrying.
        for dossier in Dossier.objects.exclude(national_id=None).filter(status="submitted"):
            services.receive(dossier, desk_of(world, dossier))
        if round_ == 2:
            local[0] = services.approve(local[0], world.leader)
            local[0] = services.finish(local[0], world.specialist)
        if round_ == 4:
            local[0] = services.return_result(local[0], world.desk)
            local.append(world.submit_online())
        work()
        waiting = (
            set(simulator.app.systems["dvcqg"].feed) - simulator.app.systems["dvcqg"].acknowledged
        )
        if (
            round_ > 5
            and not waiting
            and not OutboxMessage.objects.filter(status=S.PENDING).exists()
        ):
            break
    assert control.delete("/_control/faults").status_code == 200
    work(3)
    # One lost acknowledgement for certain (how many the random faults made depends on how
    # the retries fell): the portal offers that dossier again; it is recognised, not refiled.
    redelivered = min(filed)
    simulator.app.systems["dvcqg"].acknowledged.discard(redelivered)
    again = intake.pull(client, page_size=3, from_start=True)
    assert again.duplicates == [redelivered] and not again.taken
    taken_twice += len(again.duplicates)

    # The faults did happen.
    seen = control.get("/_control/received", params={"system": "dvcqg"}).json()["items"]
    faults = {e["fault"] for e in seen}
    assert {"error", "error_after", "drop"} <= faults
    assert taken_twice > 0  # duplicates in the feed (and lost acknowledgements) seen again

    # Every dossier filed on the portal arrived once, and the portal knows it was taken.
    national = list(Dossier.objects.exclude(national_id=None).values_list("national_id", flat=True))
    assert sorted(national) == sorted(filed)
    assert simulator.app.systems["dvcqg"].acknowledged >= filed
    assert not OutboxMessage.objects.exclude(status=S.DELIVERED).exists()

    # Every status of every dossier arrived, in order, each step once.
    held = simulator.app.systems["dvcqg"].synced
    for dossier in Dossier.objects.all():
        steps = held[dossier.code]["history"]
        statuses = []
        for step in steps:
            if not statuses or statuses[-1] != step["TrangThaiHoSo"]:
                statuses.append(step["TrangThaiHoSo"])
        assert statuses == expected_statuses(dossier), dossier.code
        assert len(steps) == Event.objects.filter(dossier=dossier).count(), dossier.code
    assert held[local[0].code]["record"]["TrangThaiHoSo"] == 10
    warned = [e for e in seen if e.get("warnings")]
    assert not warned, warned[:3]

    # And the reconciliation finds nothing to report.
    today = dt.datetime.now(schemas.VIETNAM).date()
    run = reconcile.run(first=today - dt.timedelta(days=7), last=today)
    assert run.status == run.Status.DONE, run.error
    assert run.dossiers_local == run.dossiers_national == Dossier.objects.count() == 12
    assert not run.rows.exists() and run.differing == 0
