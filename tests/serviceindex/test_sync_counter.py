"""CK2 (dossiers synced to the national portal): counted once per received dossier, in the
transaction that marks its status message delivered, against the real simulated portal."""

from __future__ import annotations

import pytest
from django.utils import timezone

from motcua.core.models import OutboxMessage
from motcua.dossiers import services, stats
from motcua.dossiers.models import Dossier
from motcua.serviceindex import selectors
from motcua.serviceindex.models import DataFeed, IndexMonthStats
from motcua.serviceindex.rebuild import recount_synced
from tests.dvcqg import test_sync as dvcqg_sync
from tests.dvcqg.test_sync import drain, fault, lifecycle

pytestmark = pytest.mark.django_db
portal = dvcqg_sync.portal  # the simulated national portal, as the sync tests use it


def _ck2():
    now = timezone.now()
    month = stats.month_of(now)
    period = selectors.Period("thang", month, month, "")
    ctx = selectors.Context.load(now)
    return selectors.unit_scorecard(selectors.province(), period, ctx).result("CK2")


def _synced():
    return sum(IndexMonthStats.objects.values_list("synced", flat=True))


def test_each_received_dossier_counts_once_when_the_portal_accepts_it(world, portal):
    # The portal loses three replies of the full record: each message is sent again
    # under its key, and the dossier still counts once.
    fault(portal, endpoint="dvcqg.DongBoHoSoMC", error_after_rate=1, times=3)
    first = lifecycle(world)  # 5 steps after submission, 4 of them as received
    second = services.receive(world.submit_online(), world.desk)
    world.submit_online()  # submitted, never received: not in the index
    assert _ck2().reason == "Chưa có nguồn dữ liệu"  # nothing delivered yet: no data
    assert _synced() == 0
    drain()
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.DELIVERED).exists()
    assert DataFeed.objects.filter(key=DataFeed.Key.SYNC).exists()
    assert _synced() == 2
    assert _ck2().rate == 1.0  # 2 synced of 2 received
    # The recount from the delivered messages finds the same, per agency and month.
    running = {
        (r.agency_id, r.month): r.synced for r in IndexMonthStats.objects.filter(synced__gt=0)
    }
    assert dict(recount_synced(Dossier, OutboxMessage)) == running
    assert {first.agency_id, second.agency_id} == {a for a, _ in running}


def test_a_dossier_whose_messages_are_not_accepted_is_not_synced(world, portal):
    fault(portal, endpoint="dvcqg.DongBoHoSoMC", error_rate=1, times=100)
    services.receive(world.submit_online(), world.desk)
    drain(rounds=3)
    assert _synced() == 0
    assert _ck2().reason == "Chưa có nguồn dữ liệu"
