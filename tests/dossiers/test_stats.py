"""Summary tables agree with counting the dossiers themselves."""

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from motcua.dossiers import services, stats
from motcua.dossiers.models import Dossier
from tests import factories

pytestmark = pytest.mark.django_db


def _naive_status_counts():
    rows = Dossier.objects.values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def test_status_counts_follow_every_transition(world):
    a = world.submit_online()
    b = services.receive(world.submit_online(), world.desk)
    c = services.assign(
        services.receive(world.submit_online(), world.desk), world.desk, to_agency=world.dept
    )
    services.refuse(world.submit_online(), world.desk, "Không thuộc thẩm quyền")
    c = services.approve(c, world.leader)
    c = services.finish(c, world.specialist, uploads=[services.Upload(factories.pdf())])
    services.return_result(c, world.desk, "online")
    services.withdraw(a, world.citizen, "Không còn nhu cầu")
    services.stop(b, world.leader, "Không đủ điều kiện")
    assert stats.status_counts() == _naive_status_counts()
    assert stats.status_counts([world.other_dept.pk]) == {}


def test_on_time_and_late_are_counted_in_the_month_of_finishing(world):
    fast = services.assign(
        services.receive(world.submit_online(), world.desk), world.desk, to_agency=world.dept
    )
    slow = services.assign(
        services.receive(world.submit_online(), world.desk), world.desk, to_agency=world.dept
    )
    Dossier.objects.filter(pk=slow.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    for d in (fast, slow):
        services.finish(services.approve(d, world.leader), world.specialist)
    month = stats.month_of(timezone.now())
    rates = stats.on_time_by_agency(month, month)
    assert rates[world.dept.pk]["finished"] == 2
    assert rates[world.dept.pk]["on_time"] == 1
    assert rates[world.dept.pk]["late"] == 1
    assert rates[world.dept.pk]["rate"] == 0.5
    assert stats.on_time_by_agency(dt.date(2000, 1, 1), dt.date(2000, 12, 1)) == {}


def test_overdue_rule_is_the_same_in_python_and_sql(world):
    from motcua.dossiers import selectors

    late_intake = world.submit_online()
    on_time_intake = world.submit_online()
    late = services.receive(world.submit_online(), world.desk)
    on_time = services.receive(world.submit_online(), world.desk)
    now = timezone.now()
    Dossier.objects.filter(pk=late_intake.pk).update(intake_due_at=now - dt.timedelta(hours=1))
    Dossier.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=1))
    in_python = {d.code for d in selectors.desk_queue(world.desk) if d.is_overdue}
    in_sql = set(
        selectors.desk_queue(world.desk)
        .filter(selectors.overdue_q(now))
        .values_list("code", flat=True)
    )
    assert in_python == in_sql == {late_intake.code, late.code}
    assert on_time_intake.code not in in_python and on_time.code not in in_python
