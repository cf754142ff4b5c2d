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


def test_the_returned_entry_is_the_stored_one_and_hashes_as_verify_does():
    # On PostgreSQL the entry is appended by one statement that hashes in the database.
    with transaction.atomic():
        first = audit.record("a", "thing", 1, actor="tester", data={"ids": ["Ê-1", "Ơ-2"]})
        second = audit.record("b", "thing", 2, data={"nested": {"n": 1.5, "x": None}})
    stored = list(AuditEntry.objects.order_by("id"))
    assert [(e.pk, e.prev_hash, e.hash) for e in stored] == [
        (first.pk, first.prev_hash, first.hash),
        (second.pk, second.prev_hash, second.hash),
    ]
    assert first.prev_hash == audit.GENESIS and second.prev_hash == first.hash
    assert stored[1].hash == audit._digest(stored[0].hash, stored[1])
    head = AuditHead.objects.get()
    assert (head.last_hash, head.count) == (second.hash, 2)
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    # PostgreSQL: the one-statement path under row locks; SQLite: writers queue on the
    # database's write lock (IMMEDIATE transactions), the chain must come out whole too.
    import threading

    from django.db import connections

    errors = []

    def writer(n):
        try:
            for i in range(15):
                with transaction.atomic():
                    audit.record("test.concurrent", "thing", f"{n}-{i}", data={"i": i})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = audit.verify()
    assert result.ok and result.checked == 45
