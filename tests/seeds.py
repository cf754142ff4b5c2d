"""The rows the data migrations ship (indicators of the service index, search terms of the
catalogue, notice templates). A transactional test (the browser tests) flushes the database
after it, so the next one finds them gone: such tests load them again with this."""

from __future__ import annotations

import importlib

SEEDS = [
    ("motcua.catalog.migrations.0006_portal_collation_details", "fill"),
    ("motcua.notify.migrations.0002_notify_templates", "seed"),
    ("motcua.notify.migrations.0004_feedback_notices", "seed"),
    ("motcua.serviceindex.migrations.0002_serviceindex_seed", "seed"),
    ("motcua.feedback.migrations.0003_feedback_limits", "seed"),
]


def reload_shipped_data() -> None:
    from django.apps import apps

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
