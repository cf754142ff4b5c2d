"""Misbehaviour on request: latency, 5xx, timeouts, dropped connections, and for feeds
duplicates, reordering and malformed records.

A rule is set for a scope: "*" (every endpoint), a system ("dvcqg") or one endpoint
("dvcqg.feed"). The most specific existing rule applies, whole; `times` limits it to the
next N requests it applies to. Decisions come from one seeded random generator, so a run
with the same seed and the same requests misbehaves the same way.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from motcua.simulators.http import HttpError


@dataclass
class FaultRule:
    latency_ms: int = 0  # added before answering
    jitter_ms: int = 0  # plus up to this much, at random
    error_rate: float = 0.0  # share answered with error_status, nothing done
    error_after_rate: float = 0.0  # share done, then answered with error_status (lost reply)
    error_status: int = 503
    timeout_rate: float = 0.0  # share held without an answer for hold_seconds, then dropped
    hold_seconds: float = 30.0
    drop_rate: float = 0.0  # share whose connection is closed without an answer
    duplicate_rate: float = 0.0  # feeds: share of items delivered twice
    reorder: bool = False  # feeds: items of a page shuffled
    malformed_rate: float = 0.0  # feeds: share of items broken (missing or wrong fields)
    times: int | None = None  # apply to the next N requests only

    RATES = ("error_rate", "error_after_rate", "timeout_rate", "drop_rate", "duplicate_rate")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise HttpError(400, {"error": f"unknown fault fields: {', '.join(unknown)}"})
        rule = cls(**data)
        problems = [n for n in (*cls.RATES, "malformed_rate") if not 0 <= getattr(rule, n) <= 1]
        if not 500 <= rule.error_status <= 599:
            problems.append("error_status")
        if rule.latency_ms < 0 or rule.jitter_ms < 0 or rule.hold_seconds < 0:
            problems.append("latency_ms/jitter_ms/hold_seconds")
        if rule.times is not None and rule.times < 1:
            problems.append("times")
        if problems:
            raise HttpError(400, {"error": f"out of range: {', '.join(problems)}"})
        return rule

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Decision:
    """What the chosen rule does to one request."""

    scope: str | None = None
    delay: float = 0.0
    action: str | None = None  # "error", "error_after", "timeout", "drop"
    status: int = 503
    hold: float = 0.0
    rule: FaultRule | None = None


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, FaultRule] = {}
        self._random = random.Random(seed)  # noqa: S311 - misbehaviour, not secrets
        self._release = threading.Event()

    # rules ---------------------------------------------------------------------------------

    def set(self, scope: str, rule: FaultRule) -> None:
        with self._lock:
            self._rules[scope] = rule

    def remove(self, scope: str) -> bool:
        with self._lock:
            return self._rules.pop(scope, None) is not None

    def rules(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {scope: rule.as_dict() for scope, rule in self._rules.items()}

    def reset(self, seed: int | None = None) -> None:
        """Clear every rule and let go of every held connection."""
        with self._lock:
            self._rules.clear()
            if seed is not None:
                self._random.seed(seed)
            release, self._release = self._release, threading.Event()
        release.set()

    def wait_held(self, seconds: float) -> None:
        """Hold a connection for `seconds`, or until reset."""
        with self._lock:
            release = self._release
        release.wait(seconds)

    # decisions -----------------------------------------------------------------------------

    def _rule_for(self, endpoint: str) -> tuple[str, FaultRule] | None:
        system = endpoint.partition(".")[0]
        for scope in (endpoint, system, "*"):
            rule = self._rules.get(scope)
            if rule is not None:
                return scope, rule
        return None

    def decide(self, endpoint: str) -> Decision:
        with self._lock:
            found = self._rule_for(endpoint)
            if found is None:
                return Decision()
            scope, rule = found
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    del self._rules[scope]
            rnd = self._random.random
            delay = (rule.latency_ms + rnd() * rule.jitter_ms) / 1000
            decision = Decision(scope, delay, status=rule.error_status, rule=rule)
            for action in ("drop", "timeout", "error", "error_after"):
                share = getattr(rule, f"{action}_rate")
                if share and rnd() < share:
                    decision.action = action
                    decision.hold = rule.hold_seconds
                    break
            return decision

    def shape(
        self,
        rule: FaultRule | None,
        items: list[dict[str, Any]],
        breaker: Callable[[dict[str, Any], random.Random], dict[str, Any]],
        previous: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Apply a feed's faults to one page of items: some broken, some repeated (one from
        the previous page too, as a redelivery), the page shuffled. Items are copied."""
        if rule is None or not (rule.duplicate_rate or rule.reorder or rule.malformed_rate):
            return items
        with self._lock:
            rnd = self._random
            out = []
            for item in items:
                item = copy.deepcopy(item)
                if rule.malformed_rate and rnd.random() < rule.malformed_rate:
                    item = breaker(item, rnd)
                out.append(item)
            if rule.duplicate_rate:
                for i in range(len(out) - 1, -1, -1):  # backwards: inserts stay behind i
                    if rnd.random() < rule.duplicate_rate:
                        out.insert(rnd.randint(i + 1, len(out)), copy.deepcopy(out[i]))
                if previous is not None and rnd.random() < rule.duplicate_rate:
                    out.insert(0, copy.deepcopy(previous))
            if rule.reorder:
                rnd.shuffle(out)
            return out
