"""The registry of simulated systems and what each one provides.

A system is a small module with a `System` subclass decorated with `@register`: its routes
(under /<name>/), its control routes (under /_control/<name>/), its state (rebuilt by
`reset`) and how it breaks a feed record when asked for malformed records. Its endpoint
names ("<name>.<what>") are its fault points. Add the module to BUILTIN to load it.
"""

from __future__ import annotations

import importlib
import os
import random
from typing import TYPE_CHECKING, Any

from motcua.simulators.http import Route

if TYPE_CHECKING:
    from motcua.simulators.app import Simulator

BUILTIN = [
    "motcua.simulators.dvcqg",
    "motcua.simulators.vneid",
    "motcua.simulators.payment",
    "motcua.simulators.postal",
    "motcua.simulators.sms",
    "motcua.simulators.zalo",
]
SYSTEMS: dict[str, type[System]] = {}


def register(cls: type[System]) -> type[System]:
    SYSTEMS[cls.name] = cls
    return cls


def load_builtin() -> dict[str, type[System]]:
    for module in BUILTIN:
        importlib.import_module(module)
    return SYSTEMS


class System:
    name = ""
    title = ""
    # Settings: name -> (environment variable, default); overridden by Simulator(settings=).
    SETTINGS: dict[str, tuple[str, str]] = {}

    def __init__(self, sim: Simulator, overrides: dict[str, Any] | None = None) -> None:
        self.sim = sim
        self.settings: dict[str, Any] = {
            key: os.environ.get(env, default) for key, (env, default) in self.SETTINGS.items()
        }
        self.settings.update({k: v for k, v in (overrides or {}).items() if k in self.SETTINGS})
        self.initial_settings = dict(self.settings)  # what /_control/reset goes back to
        self.reset()

    def reset(self) -> None:
        """Forget everything received and seed the demo data again."""

    def routes(self) -> list[Route]:
        return []

    def control_routes(self) -> list[Route]:
        return []

    def state(self) -> dict[str, Any]:
        """A summary for GET /_control/."""
        return {}

    def break_record(self, item: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
        """A malformed copy of a feed record (missing or wrongly typed fields)."""
        keys = sorted(item)
        if keys:
            item.pop(rnd.choice(keys))
        return item

    @property
    def url(self) -> str:
        return f"{self.sim.base_url}/{self.name}"
