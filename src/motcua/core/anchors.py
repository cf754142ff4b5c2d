"""Anchors: the audit chain's head, signed and kept outside the database.

The triggers make the audit table append-only, but whoever can drop them can rewrite an
entry and recompute every later hash and the head, and the in-database verification then
passes. An anchor is the head (last entry id, count, hash, time) signed with Ed25519 and
appended to a daily JSON-lines file (and optionally sent through the outbox to a receiver):
`motcua audit verify` checks the chain against every anchor, so such a rewrite no longer
matches what was exported before it.

Anchoring is a scheduled job (`motcua qcluster`), never work on the request path.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import tempfile
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from motcua.core import audit, jobs, outbox
from motcua.core.models import AuditEntry, AuditHead, OutboxMessage

TOPIC = "audit.anchor"
SCHEDULE_NAME = "audit-anchor"
FORMAT_VERSION = 1
KEY_FILE = "audit-anchor.key"
PUBLIC_KEY_FILE = "audit-anchor.pub"
TIMEOUT_SECONDS = 10


class AnchorKeyError(RuntimeError):
    """A signing or public key cannot be read."""


# --- keys ----------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short fingerprint naming the key in each anchor, so an unknown key is told apart
    from a forged signature."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _private_from_bytes(data: bytes) -> Ed25519PrivateKey:
    if len(data) == 32:
        return Ed25519PrivateKey.from_private_bytes(data)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        key = serialization.load_der_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorKeyError("MOTCUA_AUDIT_ANCHOR_KEY is not an Ed25519 private key")
    return key


def _configured_key(value: str) -> Ed25519PrivateKey:
    try:
        path = Path(value).expanduser()
        is_file = path.is_file()
    except OSError:  # a long base64 value is no valid file name
        is_file = False
    try:
        if is_file:
            return _private_from_bytes(path.read_bytes())
        return _private_from_bytes(base64.b64decode(value, validate=True))
    except (ValueError, TypeError, binascii.Error, OSError) as exc:
        raise AnchorKeyError(f"MOTCUA_AUDIT_ANCHOR_KEY cannot be read: {exc}") from exc


def _key_dir() -> Path:
    return Path(settings.MOTCUA_AUDIT_ANCHOR_KEY_DIR)


def _write_new_file(path: Path, data: bytes, mode: int) -> bool:
    """Create `path` with `data` atomically, never over an existing file. False if another
    process created it first (its key wins, ours is dropped)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(tmp, path)  # atomic, and fails if the name exists
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def signing_key(create: bool = True) -> Ed25519PrivateKey | None:
    """The key from MOTCUA_AUDIT_ANCHOR_KEY, else the one in DATA_DIR/keys/ (generated on
    first use, 0600, with its public key beside it). None if absent and `create` is off."""
    if settings.MOTCUA_AUDIT_ANCHOR_KEY:
        return _configured_key(settings.MOTCUA_AUDIT_ANCHOR_KEY)
    directory = _key_dir()
    path = directory / KEY_FILE
    if not path.exists():
        if not create:
            return None
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        if _write_new_file(path, pem, 0o600):
            public = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            _write_new_file(directory / PUBLIC_KEY_FILE, public, 0o644)
    return _private_from_bytes(path.read_bytes())


def load_public_key(path: Path | str) -> Ed25519PublicKey:
    data = Path(path).read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip()))
        except (ValueError, binascii.Error) as exc:
            raise AnchorKeyError(f"{path}: not a public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise AnchorKeyError(f"{path}: not an Ed25519 public key")
    return key


def local_public_keys() -> list[Ed25519PublicKey]:
    """Keys this installation knows: its signing key's, and the .pub file beside it."""
    keys: list[Ed25519PublicKey] = []
    private = signing_key(create=False)
    if private is not None:
        keys.append(private.public_key())
    public_file = _key_dir() / PUBLIC_KEY_FILE
    if public_file.is_file():
        keys.append(load_public_key(public_file))
    return keys


# --- making anchors --------------------------------------------------------------------


def _canonical(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "sig"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def current_head() -> dict[str, Any]:
    """The chain's head as the database has it now (one consistent read)."""
    with transaction.atomic():
        head = AuditHead.objects.filter(pk=1).first()
        if head is None or head.count == 0:
            return {"last_id": 0, "count": 0, "hash": audit.GENESIS}
        # The hash is unique and committed with the head row, so this finds its entry.
        last_id = AuditEntry.objects.filter(hash=head.last_hash).values_list("id", flat=True)
        return {"last_id": last_id.first() or 0, "count": head.count, "hash": head.last_hash}


def sign(head: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    record = {
        "v": FORMAT_VERSION,
        "province": settings.MOTCUA_PROVINCE_CODE,
        "last_id": head["last_id"],
        "count": head["count"],
        "hash": head["hash"],
        "at": timezone.now().isoformat(),
        "key_id": key_id(key.public_key()),
    }
    record["sig"] = base64.b64encode(key.sign(_canonical(record))).decode()
    return record


def anchor_dir() -> Path:
    return Path(settings.MOTCUA_AUDIT_ANCHOR_DIR)


def _append(record: dict[str, Any]) -> Path:
    directory = anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"anchors-{timezone.localdate().isoformat()}.jsonl"
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
    # O_APPEND: one write per line, existing lines are never touched.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def anchor() -> dict[str, Any]:
    """Sign the current head, append it to today's file and, when a receiver is configured,
    queue it for delivery (one message per head hash). The scheduled job."""
    record = sign(current_head(), signing_key())
    path = _append(record)
    if settings.MOTCUA_AUDIT_ANCHOR_URL:
        with transaction.atomic():
            # The head hash is the idempotency key: an unchanged head is sent once.
            if not OutboxMessage.objects.filter(key=_outbox_key(record)).exists():
                outbox.enqueue(TOPIC, _outbox_key(record), record)
    return {**record, "file": str(path)}


def _outbox_key(record: dict[str, Any]) -> str:
    return record["hash"]


def schedule() -> int:
    """Register the anchoring job with the worker (django-q2); 0 minutes removes it."""
    minutes = settings.MOTCUA_AUDIT_ANCHOR_MINUTES
    if minutes <= 0:
        from django_q.models import Schedule

        Schedule.objects.filter(name=SCHEDULE_NAME).delete()
        return 0
    jobs.schedule_every("motcua.core.anchors.anchor", minutes, SCHEDULE_NAME)
    return minutes


class NotConfigured(RuntimeError):
    pass


def push_anchor(message: OutboxMessage) -> None:
    """POST the signed record to MOTCUA_AUDIT_ANCHOR_URL, as the DVCQG adapter posts."""
    url = settings.MOTCUA_AUDIT_ANCHOR_URL
    if not url.startswith(("http://", "https://")):
        raise NotConfigured("MOTCUA_AUDIT_ANCHOR_URL must be set to an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(message.payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": message.key},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"anchor receiver answered {response.status}")


outbox.handler(TOPIC)(push_anchor)


# --- checking anchors ----------------------------------------------------------------


@dataclass
class Anchor:
    source: str
    last_id: int
    count: int
    hash: str
    at: dt.datetime


@dataclass
class AnchorCheck:
    chain: audit.Verification
    checked: int = 0
    newest: Anchor | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def _anchor_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix == ".jsonl" and p.is_file())
        elif path.exists():
            files.append(path)
    return files


def _read(
    files: list[Path], keys: dict[str, Ed25519PublicKey], problems: list[str]
) -> list[Anchor]:
    anchors: list[Anchor] = []
    for path in files:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    record = json.loads(line)
                    signature = base64.b64decode(record["sig"], validate=True)
                    anchor = Anchor(
                        where,
                        int(record["last_id"]),
                        int(record["count"]),
                        str(record["hash"]),
                        dt.datetime.fromisoformat(record["at"]),
                    )
                    kid = str(record["key_id"])
                    if anchor.at.tzinfo is None:
                        raise ValueError("time without a zone")
                except (ValueError, KeyError, TypeError, binascii.Error):
                    problems.append(f"{where}: unreadable anchor line")
                    continue
                public = keys.get(kid)
                if public is None:
                    problems.append(f"{where}: anchor signed by an unknown key {kid}")
                    continue
                try:
                    public.verify(signature, _canonical(record))
                except InvalidSignature:
                    problems.append(f"{where}: signature does not verify (forged or altered)")
                    continue
                anchors.append(anchor)
    return anchors


def verify(
    extra_paths: Iterable[Path | str] = (),
    public_keys: Iterable[Ed25519PublicKey] | None = None,
) -> AnchorCheck:
    """Recompute the chain and check it against every anchor in the anchor folder and
    `extra_paths` (files or folders). `public_keys`: the keys to trust (default: this
    installation's own)."""
    trusted = list(public_keys) if public_keys is not None else local_public_keys()
    keys = {key_id(k): k for k in trusted}
    problems: list[str] = []
    paths = [anchor_dir(), *(Path(p) for p in extra_paths)]
    for path in paths[1:]:
        if not path.exists():
            problems.append(f"{path}: no such anchor file or folder")
    anchors = _read(_anchor_files(paths), keys, problems)
    chain = audit.verify(checkpoints={a.last_id for a in anchors})
    result = AnchorCheck(chain, problems=problems)
    for a in anchors:
        result.checked += 1
        if result.newest is None or a.at > result.newest.at:
            result.newest = a
        if a.last_id == 0:
            if a.count != 0 or a.hash != audit.GENESIS:
                problems.append(f"{a.source}: anchor of an empty chain is not the genesis")
            continue
        seen = chain.seen.get(a.last_id)
        if seen is None:
            if chain.ok:
                problems.append(
                    f"{a.source}: anchored entry {a.last_id} (of {a.count}) is missing "
                    "from the chain (entries deleted)"
                )
            # Otherwise the chain broke before reaching it: already reported.
            continue
        count, digest = seen
        if digest != a.hash:
            problems.append(
                f"{a.source}: entry {a.last_id} has hash {digest[:16]}…, "
                f"the anchor of {a.at:%Y-%m-%d %H:%M} says {a.hash[:16]}… (chain rewritten)"
            )
        elif count != a.count:
            problems.append(
                f"{a.source}: entry {a.last_id} is number {count} in the chain, "
                f"the anchor of {a.at:%Y-%m-%d %H:%M} says {a.count}"
            )
    return result
