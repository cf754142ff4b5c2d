"""The audit chain anchored outside the database: signed heads in files (and to a receiver),
checked by `motcua audit verify` against a chain someone rewrote after dropping the guard."""

import base64
import json
import shutil
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django_q.models import Schedule

from motcua.core import anchors, audit, dbguard, outbox
from motcua.core.models import AuditEntry, AuditHead, OutboxMessage
from tests.core.test_outbox import Receiver

pytestmark = pytest.mark.django_db


def _append(n, start=0):
    with transaction.atomic():
        for i in range(start, start + n):
            audit.record("test.action", "thing", i, actor="tester", data={"i": i})


def _lines(settings):
    files = sorted(settings.MOTCUA_AUDIT_ANCHOR_DIR.glob("*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def _verify(*args):
    """Run `audit verify`; (error message or None, stdout, stderr)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return str(exc), out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def _as_superuser(*statements):
    """Someone with the database's owner rights: drop the guard, run SQL, put it back."""
    dbguard.remove(connection)
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    dbguard.install(connection)


def _rewrite_and_recompute(victim_id, actor):
    """Edit one entry, then recompute every later hash and the head: the in-database
    verification passes afterwards, as a careful attacker would make it."""
    statements = [("UPDATE core_auditentry SET actor = %s WHERE id = %s", [actor, victim_id])]
    entries = list(AuditEntry.objects.order_by("id"))
    prev = audit.GENESIS
    for entry in entries:
        if entry.id == victim_id:
            entry.actor = actor
        if entry.id >= victim_id:
            entry.prev_hash = prev
            entry.hash = audit._digest(prev, entry)
            statements.append(
                (
                    "UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
                    [entry.prev_hash, entry.hash, entry.id],
                )
            )
        prev = entry.hash
    statements.append(
        (
            "UPDATE core_audithead SET last_hash = %s, count = %s WHERE id = 1",
            [prev, len(entries)],
        )
    )
    _as_superuser(*statements)


def test_anchor_appends_a_signed_line_and_keeps_the_key_private(settings):
    _append(3)
    call_command("audit", "anchor", stdout=open("/dev/null", "w"))  # noqa: SIM115
    key_file = settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR / anchors.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = anchors.load_public_key(settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR / "audit-anchor.pub")
    [first] = _lines(settings)
    last = AuditEntry.objects.order_by("-id").first()
    assert (first["last_id"], first["count"], first["hash"]) == (last.id, 3, last.hash)
    assert first["key_id"] == anchors.key_id(public)
    public.verify(base64.b64decode(first["sig"]), anchors._canonical(first))

    [path] = settings.MOTCUA_AUDIT_ANCHOR_DIR.glob("*.jsonl")
    before = path.read_bytes()
    _append(1, start=3)
    anchors.anchor()
    # Appended, never rewritten: the day's file grows by one line.
    assert path.read_bytes().startswith(before)
    assert [r["count"] for r in _lines(settings)] == [3, 4]
    # The same key is used again (not regenerated).
    assert _lines(settings)[1]["key_id"] == first["key_id"]


def test_verify_checks_every_anchor_and_reports_the_newest(settings):
    anchors.anchor()  # an anchor of the empty chain is valid too
    _append(2)
    anchors.anchor()
    _append(2, start=2)
    newest = anchors.anchor()
    error, out, _ = _verify()
    assert error is None
    assert "4 entries verified" in out and "3 anchors checked" in out
    assert newest["at"] in out


def test_rewrite_with_recomputed_hashes_passes_in_database_but_not_against_anchors(settings):
    _append(5)
    anchors.anchor()
    _append(2, start=5)
    victim = AuditEntry.objects.order_by("id")[1]
    _rewrite_and_recompute(victim.id, "mallory")
    assert AuditEntry.objects.get(pk=victim.id).actor == "mallory"
    # The attacker's work is complete: the chain alone looks intact ...
    assert audit.verify().ok
    # ... but the head signed before the rewrite no longer matches.
    error, _, err = _verify()
    assert error is not None and "does NOT match its anchors" in error
    assert "chain rewritten" in err
    assert "1 anchors checked" in error


def test_rewrite_before_an_older_anchor_only_leaves_it_valid(settings):
    _append(2)
    anchors.anchor()  # covers entries 1-2 only
    _append(3, start=2)
    anchors.anchor()
    victim = AuditEntry.objects.order_by("id")[3]
    _rewrite_and_recompute(victim.id, "mallory")
    result = anchors.verify()
    assert result.chain.ok and result.checked == 2
    assert len(result.problems) == 1  # the later anchor only


def test_deleted_tail_after_an_anchor_is_detected(settings):
    _append(5)
    anchors.anchor()
    entries = list(AuditEntry.objects.order_by("id"))
    keep = entries[2]
    # Delete the last two and move the head back: the database alone cannot tell.
    _as_superuser(
        ("DELETE FROM core_auditentry WHERE id > %s", [keep.id]),
        ("UPDATE core_audithead SET last_hash = %s, count = 3 WHERE id = 1", [keep.hash]),
    )
    assert audit.verify().ok
    error, _, err = _verify()
    assert error is not None
    assert f"anchored entry {entries[-1].id} (of 5) is missing" in err


def test_forged_anchor_is_detected(settings):
    _append(3)
    anchors.anchor()
    [path] = settings.MOTCUA_AUDIT_ANCHOR_DIR.glob("*.jsonl")
    record = json.loads(path.read_text())
    # Someone matching the anchor to a rewritten chain, without the private key.
    record["hash"] = "f" * 64
    path.write_text(json.dumps(record) + "\n")
    error, _, err = _verify()
    assert error is not None
    assert "signature does not verify" in err
    assert "0 anchors checked" in error


def test_anchor_from_an_unknown_key_is_reported(settings):
    _append(2)
    anchors.anchor()
    stranger = Ed25519PrivateKey.generate()
    line = anchors.sign(anchors.current_head(), stranger)
    with (settings.MOTCUA_AUDIT_ANCHOR_DIR / "planted.jsonl").open("a") as f:
        f.write(json.dumps(line) + "\n")
    error, _, err = _verify()
    assert error is not None
    assert f"unknown key {anchors.key_id(stranger.public_key())}" in err
    assert "1 anchors checked" in error


def test_garbled_lines_are_reported(settings):
    _append(1)
    anchors.anchor()
    [path] = settings.MOTCUA_AUDIT_ANCHOR_DIR.glob("*.jsonl")
    with path.open("a") as f:
        f.write('{"last_id": 1, "hash": \n')
        f.write('["not", "an", "anchor"]\n')
    error, _, err = _verify()
    assert error is not None
    assert err.count("unreadable anchor line") == 2
    assert f"{path}:2" in err and f"{path}:3" in err


def test_copy_kept_elsewhere_and_public_key_kept_elsewhere(settings, tmp_path):
    _append(4)
    anchors.anchor()
    vault = tmp_path / "vault"
    vault.mkdir()
    shutil.copytree(settings.MOTCUA_AUDIT_ANCHOR_DIR, vault / "anchors")
    shutil.copy(settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR / "audit-anchor.pub", vault / "key.pub")
    # The attacker also wipes the local anchors and the local keys.
    shutil.rmtree(settings.MOTCUA_AUDIT_ANCHOR_DIR)
    shutil.rmtree(settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR)
    error, out, _ = _verify(
        "--anchors", str(vault / "anchors"), "--public-key", str(vault / "key.pub")
    )
    assert error is None and "1 anchors checked" in out
    _rewrite_and_recompute(AuditEntry.objects.order_by("id")[0].id, "mallory")
    error, _, err = _verify(
        "--anchors", str(vault / "anchors"), "--public-key", str(vault / "key.pub")
    )
    assert error is not None and "chain rewritten" in err
    # A missing copy is an error, not "nothing to check".
    error, _, err = _verify("--anchors", str(vault / "nowhere"))
    assert error is not None and "no such anchor file or folder" in err


def test_configured_key_base64_or_pem_file(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.MOTCUA_AUDIT_ANCHOR_KEY = base64.b64encode(raw).decode()
    _append(1)
    assert anchors.anchor()["key_id"] == anchors.key_id(key.public_key())
    assert not settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR.exists()  # nothing generated
    pem = tmp_path / "anchor.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.MOTCUA_AUDIT_ANCHOR_KEY = str(pem)
    assert anchors.anchor()["key_id"] == anchors.key_id(key.public_key())
    assert _verify()[0] is None
    settings.MOTCUA_AUDIT_ANCHOR_KEY = "not a key"
    with pytest.raises(CommandError, match="MOTCUA_AUDIT_ANCHOR_KEY"):
        call_command("audit", "anchor")


def test_anchoring_is_not_on_the_request_path(settings):
    _append(3)
    assert not settings.MOTCUA_AUDIT_ANCHOR_DIR.exists()
    assert not settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR.exists()


def test_schedule_is_registered_with_the_worker(settings):
    settings.MOTCUA_AUDIT_ANCHOR_MINUTES = 7
    call_command("audit", "schedule", stdout=open("/dev/null", "w"))  # noqa: SIM115
    job = Schedule.objects.get(name=anchors.SCHEDULE_NAME)
    assert (job.func, job.minutes, job.repeats) == ("motcua.core.anchors.anchor", 7, -1)
    settings.MOTCUA_AUDIT_ANCHOR_MINUTES = 0
    call_command("audit", "schedule", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Schedule.objects.filter(name=anchors.SCHEDULE_NAME).exists()


def test_scheduled_function_runs_as_the_worker_calls_it(settings):
    # django-q2 imports the dotted path and calls it without arguments.
    from django.utils.module_loading import import_string

    _append(2)
    import_string("motcua.core.anchors.anchor")()
    assert _lines(settings)[0]["count"] == 2


@pytest.fixture
def receiver(settings):
    r = Receiver()
    settings.MOTCUA_AUDIT_ANCHOR_URL = r.url
    yield r
    r.close()


def test_anchor_is_delivered_to_the_receiver_once_per_head(settings, receiver):
    _append(2)
    record = anchors.anchor()
    anchors.anchor()  # unchanged head: a second line in the file, no second message
    message = OutboxMessage.objects.get(topic=anchors.TOPIC)
    assert message.key == record["hash"]
    assert outbox.deliver_pending() == 1
    [(key, body)] = receiver.received
    assert key == record["hash"] == AuditHead.objects.get().last_hash
    public = anchors.load_public_key(settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR / "audit-anchor.pub")
    public.verify(base64.b64decode(body["sig"]), anchors._canonical(body))
    _append(1, start=2)
    anchors.anchor()
    assert outbox.deliver_pending() == 1
    assert [b["count"] for _, b in receiver.received] == [2, 3]


def test_anchor_waits_in_the_outbox_when_the_receiver_is_gone(settings, receiver):
    _append(1)
    anchors.anchor()
    settings.MOTCUA_AUDIT_ANCHOR_URL = ""
    assert outbox.deliver_pending() == 0
    message = OutboxMessage.objects.get(topic=anchors.TOPIC)
    assert message.status == OutboxMessage.Status.PENDING
    assert "MOTCUA_AUDIT_ANCHOR_URL" in message.last_error
