"""Errors as RFC 9457 problem documents (application/problem+json)."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule refused the request; the message is shown to the user as is."""

    status_code = status.HTTP_409_CONFLICT
    problem_type = "about:blank"

    def __init__(self, message: str, *, code: str = "domain_error", **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra


class IllegalTransition(DomainError):
    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message, code="illegal_transition", **extra)


class InvalidInput(DomainError):
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str = "invalid", **extra: Any) -> None:
        super().__init__(message, code=code, **extra)


class NotAllowed(DomainError):
    status_code = status.HTTP_403_FORBIDDEN

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message, code="forbidden", **extra)


# DRF messages written without gettext, so no catalogue can translate them.
_UNTRANSLATABLE = {"No data provided": "Không có dữ liệu gửi lên (thân yêu cầu rỗng hoặc null)."}


def _clean(value: Any) -> Any:
    """Lone surrogates (odd field names or values echoed back) cannot be encoded as UTF-8:
    the answer would fail while rendering, a 500."""
    if isinstance(value, str):
        value = _UNTRANSLATABLE.get(value, value)
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def problem_body(status_code: int, title: str, detail: str, code: str, **extra: Any) -> dict:
    # Extras never overwrite the standard members of RFC 9457.
    body = {**extra, "type": "about:blank", "title": title, "status": status_code}
    body.update(detail=detail, code=code)
    return _clean(body)


def problem(status_code: int, title: str, detail: str, code: str, **extra: Any) -> Response:
    body = problem_body(status_code, title, detail, code, **extra)
    return Response(body, status=status_code, content_type="application/problem+json")


TITLES = _TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    406: "Định dạng không được hỗ trợ",
    409: "Xung đột trạng thái",
    413: "Tệp quá lớn",
    415: "Kiểu nội dung không được hỗ trợ",
    422: "Dữ liệu không hợp lệ",
    429: "Quá nhiều yêu cầu",
}


def _throttled_detail(exc: exceptions.Throttled) -> str:
    """DRF formats "Expected available in N seconds." before translating it, so the
    catalogue never matches: strip that English tail and say it in Vietnamese."""
    detail = str(exc.detail)
    if exc.wait is not None:
        wait = math.ceil(exc.wait)
        tail = " " + ngettext(
            exc.extra_detail_singular.format(wait=wait),
            exc.extra_detail_plural.format(wait=wait),
            wait,
        )
        detail = detail.removesuffix(tail) + f" Vui lòng thử lại sau {wait} giây."
    return detail


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Raised by Django while DRF reads the body (too many fields or files, a body over
    # DATA_UPLOAD_MAX_MEMORY_SIZE): Django would answer an HTML page.
    if isinstance(exc, RequestDataTooBig):
        return problem(413, _TITLES[413], "Nội dung gửi lên quá lớn.", "too_large")
    if isinstance(exc, TooManyFilesSent):
        return problem(400, _TITLES[400], "Gửi quá nhiều tệp trong một yêu cầu.", "too_many_files")
    if isinstance(exc, TooManyFieldsSent):
        return problem(400, _TITLES[400], "Gửi quá nhiều trường dữ liệu.", "too_many_fields")
    if isinstance(exc, SuspiciousOperation):
        return problem(400, _TITLES[400], "Yêu cầu không hợp lệ.", "bad_request")
    if isinstance(exc, DomainError):
        return problem(
            exc.status_code,
            _TITLES.get(exc.status_code, "Lỗi"),
            exc.message,
            exc.code,
            **exc.extra,
        )
    if isinstance(exc, DjangoValidationError):
        detail = "; ".join(exc.messages)
        return problem(400, _TITLES[400], detail, "invalid")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Không tìm thấy đối tượng yêu cầu.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied("Bạn không có quyền thực hiện thao tác này.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.Throttled):
        detail = _throttled_detail(exc)
        errors = None
    elif isinstance(data, dict) and set(data) == {"detail"}:
        detail = str(data["detail"])
        errors = None
    else:
        detail = "Dữ liệu gửi lên không hợp lệ."
        errors = data
    code = getattr(getattr(exc, "detail", None), "code", None) or getattr(
        exc, "default_code", "error"
    )
    extra = {"errors": errors} if errors is not None else {}
    result = problem(
        response.status_code,
        _TITLES.get(response.status_code, "Lỗi"),
        detail,
        str(code),
        **extra,
    )
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
