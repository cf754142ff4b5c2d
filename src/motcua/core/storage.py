"""Attachments: checked, hashed while streamed to storage, never kept in the database."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.utils import timezone

from motcua.core.problems import InvalidInput
from motcua.core.text import file_name

# Extension -> (content type, magic prefixes). Sniffing the first bytes refuses a
# renamed executable even when the extension looks harmless.
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xml": ("application/xml", (b"<?xml", b"\xef\xbb\xbf<?xml", b"<")),
}
CHUNK = 64 * 1024


ORIGINAL_NAME_MAX = 200  # dossiers.Attachment.original_name


def safe_name(upload: File) -> str:
    """The client's file name as it is checked, stored and shown (core.text.file_name):
    the extension judged is the one kept, whatever the length of the name."""
    return file_name(upload.name or "", ORIGINAL_NAME_MAX)


@dataclass(frozen=True)
class StoredFile:
    path: str
    original_name: str
    size: int
    sha256: str
    content_type: str


def check_upload(upload: File) -> tuple[str, str]:
    """Validate name, size and type before anything is written; returns (ext, type)."""
    name = safe_name(upload)
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(e.lstrip(".") for e in ALLOWED_TYPES))
        raise InvalidInput(
            f"Tệp “{name}” có định dạng không được chấp nhận. Chỉ nhận: {allowed}.",
            code="forbidden_file_type",
        )
    size = upload.size or 0
    limit = settings.MOTCUA_MAX_ATTACHMENT_BYTES
    if size > limit:
        raise InvalidInput(
            f"Tệp “{name}” dung lượng {size / 1048576:.1f} MB, vượt giới hạn "
            f"{limit / 1048576:.0f} MB.",
            code="file_too_large",
        )
    if size == 0:
        raise InvalidInput(f"Tệp “{name}” rỗng.", code="empty_file")
    content_type, magics = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise InvalidInput(
            f"Nội dung tệp “{name}” không đúng định dạng {ext.lstrip('.')}.",
            code="forbidden_file_type",
        )
    return ext, content_type


class _HashingFile(File):
    """Wraps an upload so storage's own chunked copy also feeds the hash."""

    def __init__(self, upload: File) -> None:
        super().__init__(upload.file, name=upload.name)
        self.digest = hashlib.sha256()
        self.size_seen = 0

    def chunks(self, chunk_size: int | None = None):
        for chunk in super().chunks(chunk_size or CHUNK):
            self.digest.update(chunk)
            self.size_seen += len(chunk)
            yield chunk


def store(upload: File, prefix: str) -> StoredFile:
    ext, content_type = check_upload(upload)
    hashing = _HashingFile(upload)
    name = f"{prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"
    path = default_storage.save(name, hashing)
    if hashing.size_seen == 0:
        # A backend that did not go through chunks(): hash what was written.
        with default_storage.open(path, "rb") as stored:
            for chunk in iter(lambda: stored.read(CHUNK), b""):
                hashing.digest.update(chunk)
                hashing.size_seen += len(chunk)
    return StoredFile(
        path=path,
        original_name=safe_name(upload),
        size=hashing.size_seen,
        sha256=hashing.digest.hexdigest(),
        content_type=content_type,
    )
