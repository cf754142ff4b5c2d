"""The simulator: routes requests to the systems, applies faults, records, serves /_control/."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import unquote

from motcua.simulators import base
from motcua.simulators.faults import FaultRule, Faults
from motcua.simulators.http import (
    DROP,
    Drop,
    HttpError,
    Request,
    Response,
    Route,
    json_response,
)
from motcua.simulators.recorder import Recorder, parse_body, redact_headers

log = logging.getLogger(__name__)


class Simulator:
    """All systems of `systems` (default: every registered one) behind one port.

    `settings` maps a system name to overrides of its SETTINGS (tests pass credentials
    here instead of environment variables)."""

    def __init__(
        self,
        systems: list[str] | None = None,
        *,
        seed: int | None = None,
        settings: dict[str, dict[str, Any]] | None = None,
        record_limit: int = 200_000,
    ) -> None:
        self.base_url = "http://127.0.0.1"  # set by the server once bound
        self.seed = seed
        self.faults = Faults(seed)
        self.recorder = Recorder(record_limit)
        registry = base.load_builtin()
        names = systems or list(registry)
        unknown = sorted(set(names) - set(registry))
        if unknown:
            raise ValueError(f"unknown systems: {', '.join(unknown)}")
        self.systems: dict[str, base.System] = {
            name: registry[name](self, (settings or {}).get(name)) for name in names
        }
        self.routes: list[Route] = [
            Route("GET", "/health", lambda r: json_response({"status": "ok"}), "_.health", True),
            Route("GET", "/_control", self._overview, "_.overview", True),
            Route("GET", "/_control/faults", self._faults_get, "_.faults", True),
            Route("POST", "/_control/faults", self._faults_set, "_.faults", True),
            Route("DELETE", "/_control/faults", self._faults_clear, "_.faults", True),
            Route("DELETE", "/_control/faults/{scope}", self._faults_remove, "_.faults", True),
            Route("GET", "/_control/received", self._received, "_.received", True),
            Route("DELETE", "/_control/received", self._received_clear, "_.received", True),
            Route("POST", "/_control/reset", self._reset, "_.reset", True),
        ]
        for system in self.systems.values():
            self.routes += system.routes()
            self.routes += [
                Route(r.method, r.pattern, r.handler, r.endpoint, True)
                for r in system.control_routes()
            ]

    # dispatch ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | Drop:
        route, params, allowed = self._match(request)
        if route is None:
            status = 405 if allowed else 404
            response = json_response({"error": "not found" if status == 404 else "method"}, status)
            if allowed:
                response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        if route.control:
            return self._call(route, request, params)
        decision = self.faults.decide(route.endpoint)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.action == "drop":
            self._record(route, request, None, "drop")
            return DROP
        if decision.action == "timeout":
            self._record(route, request, None, "timeout")
            self.faults.wait_held(decision.hold)
            return DROP
        if decision.action == "error":
            self._record(route, request, decision.status, "error")
            return json_response(
                {"error_code": "-1", "message": "Hệ thống đang bận (lỗi giả lập)"},
                decision.status,
            )
        request.notes["fault_rule"] = decision.rule
        response = self._call(route, request, params)
        if decision.action == "error_after":
            self._record(route, request, decision.status, "error_after")
            return json_response(
                {"error_code": "-1", "message": "Hệ thống đang bận (lỗi giả lập)"},
                decision.status,
            )
        status = response.status if isinstance(response, Response) else None
        self._record(route, request, status, "latency" if decision.delay else None)
        return response

    def _match(self, request: Request) -> tuple[Route | None, dict[str, str], set[str]]:
        allowed: set[str] = set()
        for route in self.routes:
            m = route.regex.match(request.path)
            if m is None:
                continue
            if route.method != request.method:
                allowed.add(route.method)
                continue
            return route, {k: unquote(v) for k, v in m.groupdict().items()}, allowed
        return None, {}, allowed

    def _call(self, route: Route, request: Request, params: dict[str, str]) -> Response | Drop:
        try:
            return route.handler(request, **params)
        except HttpError as exc:
            return json_response(exc.payload, exc.status, exc.headers)
        except Exception:  # the simulator must keep serving whatever a handler did
            log.exception("simulator handler %s failed", route.endpoint)
            return json_response({"error_code": "-1", "message": "simulator error"}, 500)

    def _record(self, route: Route, request: Request, status: int | None, fault: str | None):
        notes = {k: v for k, v in request.notes.items() if k != "fault_rule"}
        body = parse_body(request)
        dossiers = request.dossiers or _dossiers_named(body, request.query)
        self.recorder.add(
            {
                "system": route.system,
                "endpoint": route.endpoint,
                "method": request.method,
                "path": request.path,
                "query": request.query,
                "headers": redact_headers(request.headers),
                "body": body,
                "status": status,
                "fault": fault,
                "valid": None if request.errors is None else not request.errors,
                "errors": request.errors or [],
                "dossiers": dossiers,
                **notes,
            }
        )

    # control API -----------------------------------------------------------------------------

    def _overview(self, request: Request) -> Response:
        return json_response(
            {
                "url": self.base_url,
                "systems": {
                    name: {
                        "title": s.title,
                        "url": s.url,
                        "fault_points": sorted(
                            {r.endpoint for r in self.routes if not r.control and r.system == name}
                        ),
                        "state": s.state(),
                    }
                    for name, s in self.systems.items()
                },
                "faults": self.faults.rules(),
                "received": len(self.recorder.find()),
            }
        )

    def _faults_get(self, request: Request) -> Response:
        return json_response(self.faults.rules())

    def _faults_set(self, request: Request) -> Response:
        body = request.json()
        rules = body.get("rules", [body]) if isinstance(body, dict) else None
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise HttpError(400, {"error": 'expected {"endpoint": ..., ...} or {"rules": [...]}'})
        parsed = []
        points = {r.endpoint for r in self.routes if not r.control}
        for raw in rules:
            raw = dict(raw)
            scope = raw.pop("endpoint", "*")
            if scope != "*" and scope not in self.systems and scope not in points:
                raise HttpError(400, {"error": f"unknown endpoint {scope!r}"})
            parsed.append((scope, FaultRule.from_dict(raw)))
        for scope, rule in parsed:
            self.faults.set(scope, rule)
        return json_response(self.faults.rules())

    def _faults_clear(self, request: Request) -> Response:
        self.faults.reset()
        return json_response({})

    def _faults_remove(self, request: Request, scope: str) -> Response:
        if not self.faults.remove(scope):
            raise HttpError(404, {"error": f"no rule for {scope!r}"})
        return json_response(self.faults.rules())

    def _received(self, request: Request) -> Response:
        q = request.query
        try:
            since = int(q["since"]) if q.get("since") else None
            limit = int(q["limit"]) if q.get("limit") else None
        except ValueError as exc:
            raise HttpError(400, {"error": "since and limit are integers"}) from exc
        valid = {"true": True, "false": False}.get(q.get("valid", "").lower())
        items = self.recorder.find(
            system=q.get("system") or None,
            endpoint=q.get("endpoint") or None,
            dossier=q.get("dossier") or None,
            since=since,
            valid=valid,
            limit=limit,
        )
        return json_response({"count": len(items), "items": items})

    def _received_clear(self, request: Request) -> Response:
        return json_response({"cleared": self.recorder.clear()})

    def reset(self) -> None:
        """Back to the start: no faults, nothing received, demo data seeded again."""
        self.faults.reset(self.seed)
        self.recorder.clear()
        for system in self.systems.values():
            system.settings = dict(system.initial_settings)
            system.reset()

    def _reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"reset": True})


def _dossiers_named(body: Any, query: dict[str, str]) -> list[str]:
    """Dossier codes (MaHoSo) a request names, when its handler did not say (faulted ones)."""
    records = body.get("data") if isinstance(body, dict) else None
    records = records if isinstance(records, list) else [body]
    codes = [
        r["MaHoSo"] for r in records if isinstance(r, dict) and isinstance(r.get("MaHoSo"), str)
    ]
    if query.get("MaHoSo"):
        codes.append(query["MaHoSo"])
    return list(dict.fromkeys(codes))
