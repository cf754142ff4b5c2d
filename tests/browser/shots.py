"""Screenshots of the browser tests are kept as artefacts: under $MOTCUA_SCREENSHOTS when set
(CI keeps that folder), otherwise in the test's temporary directory."""

from __future__ import annotations

import os
from pathlib import Path


def screenshot_folder(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
