from django_q.models import Schedule

from motcua.core import anchors
from motcua.core.apps import register_schedules


def test_migrate_registers_the_workers_schedules(db):
    """A production install runs `migrate`, never `demo`: the outbox delivery and the audit
    anchoring must be scheduled by then."""
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"deliver-outbox", anchors.SCHEDULE_NAME} <= names


def test_registering_again_keeps_one_row_each(db):
    register_schedules()
    register_schedules()
    assert Schedule.objects.filter(name="deliver-outbox").count() == 1
    assert Schedule.objects.get(name="deliver-outbox").minutes == 1
