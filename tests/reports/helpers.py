"""Moving the clock for the report's tests: every service reads timezone.now(), so a
dossier's receipt, result and closure land in the months a test says."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from tests import factories

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> dt.datetime:
    """'2026-03-25 09:00' in Vietnam time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN)


@contextlib.contextmanager
def clock(monkeypatch, text: str):
    moment = at(text)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: moment)
        yield moment


def received(world, monkeypatch, when: str, due: str, channel: str = "desk") -> Dossier:
    with clock(monkeypatch, when):
        if channel == "online":
            d = world.submit_online()
        else:
            d = services.submit(
                procedure=world.proc,
                applicant=factories.applicant(),
                actor=world.desk,
                channel=channel,
                uploads=factories.uploads_for(world.proc),
            ).dossier
        if d.status == "submitted":
            d = services.receive(d, world.desk)
    Dossier.objects.filter(pk=d.pk).update(
        due_at=at(due), on_time_due_at=at(due), original_due_at=at(due)
    )
    d.refresh_from_db()
    return d


def finished(world, monkeypatch, d: Dossier, when: str) -> Dossier:
    with clock(monkeypatch, when):
        d = services.assign(d, world.desk, to_agency=world.dept)
        d = services.approve(d, world.leader)
        online = d.return_channel == "online"  # an online return needs the result's file
        uploads = [services.Upload(factories.pdf())] if online else []
        return services.finish(d, world.specialist, uploads=uploads)


def returned(world, monkeypatch, d: Dossier, when: str) -> Dossier:
    with clock(monkeypatch, when):
        return services.return_result(d, world.desk)
