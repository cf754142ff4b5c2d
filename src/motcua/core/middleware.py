"""Limits applied before any work: body size first, then everything else.

BodyLimitMiddleware sits at the very top of MIDDLEWARE. It answers from the headers alone,
before sessions, CSRF (which parses the body of a POST) or authentication run, so an
oversized body is never parsed or spooled to the temp folder:

- a body larger than MOTCUA_MAX_BODY_BYTES (64 KB), except on the upload endpoints
  (MOTCUA_UPLOAD_PATHS), where the limit is MOTCUA_MAX_UPLOAD_BODY_BYTES;
- on an upload endpoint, a body over the small limit from a client that is not logged in
  (anonymous uploads are never allowed): the session cookie or API token is looked up,
  one query, only for such bodies;
- a chunked body (no Content-Length): read into memory up to the small limit, cut with
  413 beyond it (uploads must declare their length).

The stream Django reads is then wrapped so that no code path reads past the limit.
`bad_request` (handler400) turns Django's own RequestDataTooBig, TooManyFieldsSent and
TooManyFilesSent raised while a page's form is parsed into Vietnamese answers.
"""

from __future__ import annotations

import functools
import io
import re
from typing import Any

import csp.middleware
import csp.utils
from csp.constants import HEADER, HEADER_REPORT_ONLY
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.handlers.wsgi import LimitedStream
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

API_PREFIX = "/api/"
_TITLES = {
    400: "Yêu cầu không hợp lệ",
    411: "Thiếu độ dài nội dung",
    413: "Nội dung quá lớn",
    429: "Quá nhiều yêu cầu",
}


class BodyTooLarge(RequestDataTooBig):
    """More bytes were read than the limit allows."""


def refusal(
    request: HttpRequest,
    status: int,
    detail: str,
    code: str,
    *,
    retry_after: int | None = None,
    as_problem: bool | None = None,
) -> HttpResponse:
    """A refusal outside the views: an RFC 9457 problem document for the API (or when
    `as_problem`), a Vietnamese page otherwise."""
    title = _TITLES.get(status, "Yêu cầu không được thực hiện")
    if as_problem is None:
        as_problem = request.path_info.startswith(API_PREFIX)
    if as_problem:
        body = {"type": "about:blank", "title": title, "status": status}
        body.update(detail=detail, code=code)
        response: HttpResponse = JsonResponse(
            body,
            status=status,
            content_type="application/problem+json",
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        context = {"title": title, "detail": detail}
        response = render(request, "core/refused.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


class CappedStream:
    """The request stream, refusing to give more than `limit` bytes in total."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0

    def _count(self, data: bytes) -> bytes:
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise BodyTooLarge(f"request body over {self.limit} bytes")
        return data

    def read(self, size: int = -1) -> bytes:
        # Never ask for more than one byte past the limit, whatever the caller wants.
        room = self.limit - self.read_so_far + 1
        return self._count(self.stream.read(room if size is None or size < 0 else min(size, room)))

    def readline(self, size: int = -1) -> bytes:
        room = self.limit - self.read_so_far + 1
        return self._count(
            self.stream.readline(room if size is None or size < 0 else min(size, room))
        )

    def __iter__(self):
        return iter(self.readline, b"")

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


@functools.cache
def _upload_pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)")


def is_upload_path(path: str) -> bool:
    return bool(_upload_pattern(tuple(settings.MOTCUA_UPLOAD_PATHS)).fullmatch(path))


def _logged_in(request: HttpRequest) -> bool:
    """Whether the request carries a live login (session or API token), without running
    the session and authentication middleware: one lookup, for large bodies only."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "token" or not key.strip():
            return False
        from motcua.core.authentication import remembered_token

        # The token's row as the API's authentication reads it, kept for it on the request.
        token = remembered_token(request, key.strip())
        return token is not None and token.user.is_active
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return False
    from importlib import import_module

    from django.contrib.auth import SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key[:64])
    return SESSION_KEY in store.load()


class BodyLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        answer = self._check(request)
        if answer is not None:
            return answer
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        meta = request.META
        small = settings.MOTCUA_MAX_BODY_BYTES
        raw_length = meta.get("CONTENT_LENGTH") or ""
        if not raw_length:
            if "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
                return self._chunked(request, small)
            return None
        try:
            length = int(raw_length)
            if length < 0:
                raise ValueError
        except ValueError:
            return refusal(
                request, 400, "Độ dài nội dung (Content-Length) không hợp lệ.", "bad_length"
            )
        upload = is_upload_path(request.path_info)
        limit = settings.MOTCUA_MAX_UPLOAD_BODY_BYTES if upload else small
        if length > limit:
            return too_large(request, limit)
        if length > small and not _logged_in(request):
            return refusal(
                request,
                413,
                "Cần đăng nhập trước khi gửi tệp đính kèm; nội dung gửi lên không được nhận.",
                "login_required_for_upload",
            )
        request._stream = CappedStream(request._stream, limit)
        return None

    def _chunked(self, request: HttpRequest, limit: int) -> HttpResponse | None:
        # Django reads a body only up to Content-Length; a chunked one would be ignored.
        # A server that ends the stream at the body's end (gunicorn) lets us read it,
        # small bodies only; elsewhere the client must declare a length.
        if not request.META.get("wsgi.input_terminated"):
            return refusal(
                request,
                411,
                "Yêu cầu có nội dung phải khai báo độ dài (Content-Length).",
                "length_required",
            )
        body = request.META["wsgi.input"].read(limit + 1)
        if len(body) > limit:
            return too_large(request, limit)
        request.META["CONTENT_LENGTH"] = str(len(body))
        request._stream = LimitedStream(io.BytesIO(body), len(body))
        return None


def _size_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.0f} MB"
    return f"{max(1, limit // 1024)} KB"


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return refusal(
        request,
        413,
        f"Nội dung gửi lên quá lớn (tối đa {_size_text(limit)}).",
        "too_large",
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: what Django raises while parsing a body becomes a Vietnamese answer
    (API: problem document) instead of the generic 400 page."""
    if isinstance(exception, BodyTooLarge):
        return too_large(request, settings.MOTCUA_MAX_UPLOAD_BODY_BYTES)
    if isinstance(exception, RequestDataTooBig):
        return too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exception, TooManyFilesSent):
        return refusal(request, 400, "Gửi quá nhiều tệp trong một yêu cầu.", "too_many_files")
    if isinstance(exception, TooManyFieldsSent):
        return refusal(request, 400, "Gửi quá nhiều trường dữ liệu.", "too_many_fields")
    if request.path_info.startswith(API_PREFIX):
        return refusal(request, 400, "Yêu cầu không hợp lệ.", "bad_request")
    return defaults.bad_request(request, exception)


_POLICY_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware with the settings' policy built once per process.

    django-csp builds the header string from the settings on every answer (twice, with the
    report-only one): about a twelfth of a public lookup's CPU. An answer that carries no
    per-view policy (csp_update/csp_replace/csp_exempt) and whose nonce was never used gets
    the same strings from a cache; anything else goes through django-csp unchanged.
    tests/core/test_csp_header.py compares both, header for header."""

    _policies: tuple[str, str] | None = None  # (enforced, report-only) from the settings

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _POLICY_OVERRIDES
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        policies = CSPMiddleware._policies
        if policies is None:
            policies = CSPMiddleware._policies = (
                csp.utils.build_policy(),
                csp.utils.build_policy(report_only=True),
            )
        path = request.path_info
        for value, header, exempt, setting in (
            (policies[0], HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (
                policies[1],
                HEADER_REPORT_ONLY,
                "_csp_exempt_ro",
                "CONTENT_SECURITY_POLICY_REPORT_ONLY",
            ),
        ):
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not path.startswith(tuple(prefixes)):
                response[header] = value
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@receiver(setting_changed)
def _forget_policies(setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._policies = None
