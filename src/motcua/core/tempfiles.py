"""Temporary upload files (FILE_UPLOAD_TEMP_DIR) that a crash left behind.

Django deletes a spooled upload when the request ends; a worker killed mid-request
(OOM, kill -9, power loss) leaves it. Only files older than the threshold are removed, so
an upload still being received is never touched.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings


def sweep_upload_temp(older_than: dt.timedelta) -> list[str]:
    folder = settings.FILE_UPLOAD_TEMP_DIR
    if not folder:
        return []
    cutoff = time.time() - older_than.total_seconds()
    removed: list[str] = []
    for path in Path(folder).iterdir():
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(str(path))
        except FileNotFoundError:  # finished (and deleted) by its request meanwhile
            continue
    return removed
