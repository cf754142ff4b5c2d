import datetime as dt
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from motcua.dossiers import services

pytestmark = pytest.mark.django_db


def _age(path: str, hours: float) -> None:
    old = time.time() - hours * 3600
    os.utime(default_storage.path(path), (old, old))


def test_sweep_removes_only_old_unreferenced_files(world, capsys):
    dossier = world.submit_online()
    kept = [a.path for a in dossier.attachments.all()]
    orphan = default_storage.save("dossiers/000.00.01.H37/2026/11/orphan.pdf", ContentFile(b"x"))
    fresh = default_storage.save("dossiers/000.00.01.H37/2026/11/fresh.pdf", ContentFile(b"y"))
    for path in [*kept, orphan]:
        _age(path, 48)
    call_command("sweep_files")
    assert "removed 1 orphan files" in capsys.readouterr().out
    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh)  # may belong to a submission still in flight
    assert all(default_storage.exists(p) for p in kept)
    assert services.sweep_orphan_files(dt.timedelta(hours=1)) == []
