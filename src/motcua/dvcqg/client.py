"""Client of the National Public Service Portal's services (DVCQG).

Built from settings: MOTCUA_DVCQG_URL (base, e.g. https://dichvucong.gov.vn/dvcqg or the
simulator's http://127.0.0.1:8900/dvcqg), MOTCUA_DVCQG_CLIENT_ID, MOTCUA_DVCQG_CLIENT_SECRET,
MOTCUA_DVCQG_TIMEOUT. A bearer token from `<base>/oauth/token` (client credentials) is cached
until shortly before it expires and fetched again once when a call is answered 401.

The portal may answer HTTP 200 with a non-zero `error_code`: both are checked, and any
failure raises DvcqgError (the outbox then retries).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from django.conf import settings

from motcua.dvcqg import schemas

# Renew the token this long before the portal says it expires, so that a call made just
# before expiry does not reach the portal with a dead token.
TOKEN_MARGIN_SECONDS = 30


class DvcqgError(Exception):
    """A call to the portal failed: transport (status 0), HTTP status or error_code."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"DVCQG {status} error_code={error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message

    @property
    def retryable(self) -> bool:
        """Worth sending again later: transport failures, throttling, server errors."""
        return self.status == 0 or self.status == 429 or self.status >= 500


class NotConfigured(RuntimeError):
    pass


# One httpx.Client per base URL for the process: keep-alive connections are reused by every
# call (the outbox worker sends thousands of messages in a row).
_pools: dict[str, httpx.Client] = {}
_clients: dict[tuple[str, str, str, float], DvcqgClient] = {}
_pools_lock = threading.Lock()


def _pool(base_url: str) -> httpx.Client:
    with _pools_lock:
        pool = _pools.get(base_url)
        if pool is None:
            pool = _pools[base_url] = httpx.Client(
                base_url=base_url, limits=httpx.Limits(max_keepalive_connections=8)
            )
        return pool


class DvcqgClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise NotConfigured("MOTCUA_DVCQG_URL must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self._http = _pool(self.base_url)
        self._token: str | None = None
        self._token_expiry = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> DvcqgClient:
        """The process's client for the configured portal: one per settings, so its token
        is shared by every message the worker sends."""
        url = getattr(settings, "MOTCUA_DVCQG_URL", "")
        if not url:
            raise NotConfigured("MOTCUA_DVCQG_URL is not set")
        config = (
            url,
            settings.MOTCUA_DVCQG_CLIENT_ID,
            settings.MOTCUA_DVCQG_CLIENT_SECRET,
            float(settings.MOTCUA_DVCQG_TIMEOUT),
        )
        with _pools_lock:
            client = _clients.get(config)
        if client is None:
            client = cls(*config)
            with _pools_lock:
                client = _clients.setdefault(config, client)
        return client

    # token --------------------------------------------------------------------------------

    def token(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or time.monotonic() >= self._token_expiry:
                self._token, self._token_expiry = self._fetch_token()
            return self._token

    def _fetch_token(self) -> tuple[str, float]:
        try:
            response = self._http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise DvcqgError(0, "", f"token: {type(exc).__name__}: {exc}") from exc
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise DvcqgError(response.status_code, "", f"token refused: {_brief(response)}")
        ttl = body.get("expires_in")
        ttl = float(ttl) if isinstance(ttl, int | float) and ttl > 0 else 300.0
        return token, time.monotonic() + max(ttl - TOKEN_MARGIN_SECONDS, ttl / 2)

    # calls --------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request with the bearer token; on 401 the token is renewed and the request
        sent once more."""
        headers = kwargs.pop("headers", {})
        for attempt in (1, 2):
            token = self.token(renew=attempt == 2)
            try:
                response = self._http.request(
                    method,
                    path,
                    headers={**headers, "Authorization": f"Bearer {token}"},
                    timeout=self.timeout,
                    **kwargs,
                )
            except httpx.HTTPError as exc:
                raise DvcqgError(0, "", f"{path}: {type(exc).__name__}: {exc}") from exc
            if response.status_code != 401:
                return response
        return response

    def _answer(self, path: str, response: httpx.Response) -> dict[str, Any]:
        body = _json(response)
        code = str(body.get("error_code", "")) if isinstance(body, dict) else ""
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            message = f"{message} {body['errors'][:5]}".strip()
        if response.status_code >= 300:
            raise DvcqgError(response.status_code, code, message or _brief(response))
        if not isinstance(body, dict) or schemas.validate("KetQua", body):
            raise DvcqgError(response.status_code, code, f"{path}: answer is not a KetQua")
        if code != schemas.SUCCESS:
            raise DvcqgError(response.status_code, code, message)
        return body

    def call(
        self, service: str, payload: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """POST /api/<service> with a JSON body; the portal's answer when it succeeded."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self._send("POST", f"/api/{service}", json=payload, headers=headers)
        return self._answer(service, response)

    def get(self, service: str, **params: Any) -> dict[str, Any]:
        """GET /api/<service>?params; the portal's answer when it succeeded."""
        response = self._send("GET", f"/api/{service}", params=params)
        return self._answer(service, response)

    def download(self, url_or_path: str) -> bytes:
        """The bytes at a link the portal gave (absolute under the base URL, or a path)."""
        if url_or_path.startswith(("http://", "https://")):
            if not url_or_path.startswith(self.base_url + "/"):
                # Never send the portal's token to another host a record points at.
                raise DvcqgError(0, "", "link outside the portal's address")
            url_or_path = url_or_path[len(self.base_url) :]
        response = self._send("GET", url_or_path)
        if response.status_code >= 300:
            body = _json(response)
            code = str(body.get("error_code", "")) if isinstance(body, dict) else ""
            raise DvcqgError(response.status_code, code, _brief(response))
        return response.content


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _brief(response: httpx.Response) -> str:
    return response.text[:300]
