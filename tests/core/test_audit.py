import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from motcua.core import audit
from motcua.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def _append(n):
    with transaction.atomic():
        for i in range(n):
            audit.record("test.action", "thing", i, actor="tester", data={"i": i, "tên": "Đào"})


def test_chain_verifies(capsys):
    _append(5)
    assert audit.verify().ok
    call_command("audit", "verify")
    assert "5 entries verified" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record("x", "y", 1)


def test_updates_and_deletes_are_refused_by_the_database():
    _append(2)
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor="mallory")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def _tamper(sql, params):
    """Simulate someone with database superuser rights: drop the guard, edit, restore."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
            cursor.execute(sql, params)


def test_tampering_is_detected():
    _append(4)
    victim = AuditEntry.objects.order_by("id")[1]
    _tamper("UPDATE core_auditentry SET actor = %s WHERE id = %s", ["mallory", victim.pk])
    result = audit.verify()
    assert not result.ok and result.broken_at == victim.pk
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")


def test_deleting_a_middle_entry_is_detected():
    _append(4)
    victim = AuditEntry.objects.order_by("id")[2]
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [victim.pk])
    assert not audit.verify().ok


def test_truncating_the_tail_is_detected():
    _append(3)
    last = AuditEntry.objects.order_by("-id").first()
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    result = audit.verify()
    assert not result.ok and "missing" in result.reason
    assert AuditHead.objects.get().count == 3
