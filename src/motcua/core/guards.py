"""Malformed requests answered before they reach a view, and error answers in the right form.

- A NUL byte in the path or the query string is refused (400): PostgreSQL cannot store or
  compare text holding one, so a lookup by such a code used to end in a 500.
- Under /api/ every error answer is an RFC 9457 problem document, also those Django writes
  itself (unknown URL, SuspiciousOperation, 500); pages get Vietnamese HTML for the errors
  Django answers with an empty body (405).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import bad_request

from motcua.core.problems import TITLES, problem_body

API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"

_DETAILS = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy địa chỉ yêu cầu.",
    405: "Phương thức không được hỗ trợ tại địa chỉ này.",
    413: "Nội dung gửi lên quá lớn.",
    500: "Hệ thống gặp sự cố; vui lòng thử lại sau.",
}


def _has_nul(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    return "\x00" in request.path_info or "\x00" in query or "%00" in query


def problem_response(status: int, detail: str, code: str) -> HttpResponse:
    body = problem_body(status, TITLES.get(status, "Lỗi"), detail, code)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_TYPE
    )


class HostileInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path_info.startswith(API_PREFIX)
        if _has_nul(request):
            if is_api:
                return problem_response(400, "Địa chỉ yêu cầu chứa ký tự rỗng (NUL).", "nul")
            return bad_request(request, ValueError("NUL"))
        response = self.get_response(request)
        if response.status_code < 400 or getattr(response, "streaming", False):
            return response
        content_type = response.get("Content-Type", "")
        if is_api and not content_type.startswith(PROBLEM_TYPE):
            status = response.status_code
            replaced = problem_response(
                status, _DETAILS.get(status, "Không thể thực hiện yêu cầu."), "error"
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        if not is_api and response.status_code == 405 and not response.content:
            # Django's require_POST & co. answer 405 with an empty body.
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
