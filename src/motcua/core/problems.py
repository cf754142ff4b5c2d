"""Errors as RFC 9457 problem documents (application/problem+json)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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


def problem(status_code: int, title: str, detail: str, code: str, **extra: Any) -> Response:
    # Extras never overwrite the standard members of RFC 9457.
    body = {**extra, "type": "about:blank", "title": title, "status": status_code}
    body.update(detail=detail, code=code)
    return Response(body, status=status_code, content_type="application/problem+json")


_TITLES = {
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


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
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
    if isinstance(data, dict) and set(data) == {"detail"}:
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
