"""Hypothesis profiles of the fuzzers: short and reproducible in the suite, long in `make fuzz`.

MOTCUA_FUZZ_EXAMPLES (unset: the short profile) sets the examples per operation or form.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SHORT_EXAMPLES = 12
_examples = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES") or 0)

settings.register_profile(
    "motcua-fuzz",
    max_examples=_examples or SHORT_EXAMPLES,
    # The suite must give the same verdict on every run (CI); `make fuzz` explores.
    derandomize=not _examples,
    database=None if not _examples else settings.default.database,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    print_blob=True,
)
FUZZ = settings.get_profile("motcua-fuzz")
