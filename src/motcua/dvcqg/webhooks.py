"""Push: the National Public Service Portal hands a dossier filed there.

POST /api/v1/dvcqg/ho-so/ with one HoSoDVCQG record as JSON, signed: header
`X-DVCQG-Signature: sha256=<hex HMAC-SHA256 of the raw body with MOTCUA_DVCQG_PUSH_SECRET>`.
The record goes through the same intake as the pull (motcua.dvcqg.intake.take), so a
record pushed twice, or pushed and pulled, is one dossier. Answers: 201 taken, 200 taken
before, 202 kept for an administrator (quarantine), problem documents otherwise (401 bad
signature, 400 not JSON, 503 the portal did not let us fetch the attachments: push again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.catalog.serializers import problem_responses
from motcua.core.problems import TITLES, problem
from motcua.dvcqg import intake
from motcua.dvcqg.client import NotConfigured
from motcua.dvcqg.models import QuarantinedRecord

SIGNATURE_HEADER = "X-DVCQG-Signature"
RETRY_AFTER_SECONDS = 60


def sign(body: bytes, secret: str) -> str:
    """The header value the portal sends for `body` (also used by tests and tooling)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed(request: Request, secret: str) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "")
    return hmac.compare_digest(
        given.encode("utf-8", "replace"), sign(request.body, secret).encode()
    )


PushAnswer = inline_serializer(
    "DvcqgPushAnswer",
    {
        "ket_qua": serializers.ChoiceField(["taken", "duplicate", "quarantined"]),
        "MaHoSo": serializers.CharField(),
        "ma_ho_so": serializers.CharField(help_text="Mã hồ sơ của tỉnh (khi đã tiếp nhận)."),
        "detail": serializers.CharField(help_text="Lý do chờ xử lý (khi quarantined)."),
    },
)


class PushView(APIView):
    # Authenticated by the signature alone: neither a session nor a token is read, and
    # nothing is parsed before the signature over the raw body is checked.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["dvcqg"],
        operation_id="dvcqg_push",
        summary="Cổng Dịch vụ công quốc gia gửi một hồ sơ nộp trên Cổng",
        description=(
            "Thân yêu cầu là một bản ghi HoSoDVCQG (JSON), ký bằng HMAC-SHA256 với khóa "
            f"bí mật dùng chung, gửi trong tiêu đề {SIGNATURE_HEADER}: sha256=<hex>. Gửi lại "
            "cùng hồ sơ không tạo hồ sơ thứ hai."
        ),
        parameters=[
            OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True)
        ],
        request={"application/json": {"type": "object"}},
        responses={
            200: PushAnswer,
            201: PushAnswer,
            202: PushAnswer,
            **problem_responses(400, 401, 404, 503),
        },
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        secret = settings.MOTCUA_DVCQG_PUSH_SECRET
        if not secret:
            return problem(
                404, TITLES[404], "Chức năng nhận hồ sơ từ Cổng chưa được bật.", "push_disabled"
            )
        if not _signed(request, secret):
            response = problem(
                401, TITLES[401], "Chữ ký của yêu cầu không hợp lệ.", "bad_signature"
            )
            response["WWW-Authenticate"] = f'HMAC-SHA256 header="{SIGNATURE_HEADER}"'
            return response
        try:
            record = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return problem(400, TITLES[400], "Nội dung gửi lên không phải JSON.", "invalid_json")
        try:
            outcome = intake.take(record, source=QuarantinedRecord.Source.PUSH)
        except (intake.PortalUnavailable, NotConfigured):
            response = problem(
                503,
                "Tạm thời không xử lý được",
                "Chưa tải được tệp đính kèm từ Cổng Dịch vụ công; xin gửi lại sau.",
                "portal_unavailable",
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        national_id = intake.national_id_of(record)
        body = {"ket_qua": outcome.status, "MaHoSo": national_id}
        if outcome.dossier is not None:
            body["ma_ho_so"] = outcome.dossier.code
        if outcome.quarantined is not None:
            body["detail"] = outcome.quarantined.reason
        status = {"taken": 201, "duplicate": 200}.get(outcome.status, 202)
        return Response(body, status=status)


urlpatterns = [path("dvcqg/ho-so/", PushView.as_view(), name="dvcqg-push")]
