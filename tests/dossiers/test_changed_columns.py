"""A dossier read under lock (services._locked) saves only the columns its transition
changed: the stored row must still be exactly the instance the service returns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.dossiers import services
from motcua.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def _columns(dossier: Dossier) -> dict:
    return {f.attname: getattr(dossier, f.attname) for f in Dossier._meta.concrete_fields}


def _stored(dossier: Dossier) -> dict:
    return _columns(Dossier.objects.get(pk=dossier.pk))


def test_each_transition_stores_the_instance_it_returns(world):
    dossier = world.submit_online()
    steps = [
        lambda d: services.receive(d, world.desk, note="Đã nhận"),
        lambda d: services.assign(d, world.desk, to_agency=world.dept, to_user=world.specialist),
        lambda d: services.approve(d, world.leader, note="Đồng ý"),
    ]
    for step in steps:
        dossier = step(Dossier.objects.get(pk=dossier.pk))
        assert _stored(dossier) == _columns(dossier)
    # The applicant's name, changed in the same transaction, takes its folded copy along.
    locked = services._locked(Dossier.objects.get(pk=dossier.pk))
    locked.applicant_name = "Trần Thị Ánh"
    with CaptureQueriesContext(connection) as ctx:
        locked.save()
    [update] = [q["sql"] for q in ctx.captured_queries]
    assert "applicant_name_folded" in update and "due_at" not in update
    assert _stored(locked)["applicant_name_folded"] == "tran thi anh"
    # Nothing changed: nothing written.
    with CaptureQueriesContext(connection) as ctx:
        locked.save()
    assert ctx.captured_queries == []


def test_a_dossier_not_read_under_lock_saves_every_column(world):
    dossier = Dossier.objects.get(pk=world.submit_online().pk)
    with CaptureQueriesContext(connection) as ctx:
        dossier.save()
    [update] = [q["sql"] for q in ctx.captured_queries]
    assert "due_at" in update and "applicant_phone" in update
