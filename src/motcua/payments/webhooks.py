"""The payment platform's server-to-server notification (IPN).

POST /api/v1/payments/notify/ with the platform's signed body (for PayGov: JSON, header
X-PayGov-Signature: sha256=<hex HMAC-SHA256 of the raw body with MOTCUA_PAYGOV_SECRET>).
Answers: 200 applied, or already applied (the same notification again changes nothing);
401 forged (recorded); 400 malformed; 404 unknown order and 409 wrong amount (both
recorded and put on the reconciliation list); 404 when online payment is off.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.catalog.serializers import problem_responses
from motcua.core.problems import TITLES, problem
from motcua.payments import platform, services
from motcua.payments.models import PaymentNotification

Outcome = PaymentNotification.Outcome
PROBLEMS = {
    Outcome.FORGED: ("bad_signature", "Chữ ký của thông báo thanh toán không hợp lệ."),
    Outcome.MALFORMED: ("invalid_notification", "Thông báo thanh toán sai định dạng."),
    Outcome.UNKNOWN_ORDER: ("unknown_order", "Không có đơn hàng thanh toán này."),
    Outcome.AMOUNT_MISMATCH: (
        "amount_mismatch",
        "Số tiền đã thanh toán khác số tiền phải nộp: giao dịch được chuyển đối soát.",
    ),
}

NotifyAnswer = inline_serializer(
    "PaymentNotifyAnswer",
    {
        "ket_qua": serializers.ChoiceField(["applied", "duplicate", "ignored", "late"]),
        "order_id": serializers.CharField(),
    },
)


class NotifyView(APIView):
    # Authenticated by the signature alone: no session, no token, and nothing parsed
    # before the adapter has checked the signature over the raw body.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["payments"],
        operation_id="payments_notify",
        summary="Nền tảng thanh toán thông báo kết quả giao dịch (IPN)",
        description=(
            "Thân yêu cầu do nền tảng thanh toán ký (PayGov: JSON, tiêu đề X-PayGov-Signature: "
            "sha256=<hex HMAC-SHA256>). Cùng một thông báo gửi lại không làm thay đổi gì."
        ),
        request={"application/json": {"type": "object"}},
        responses={200: NotifyAnswer, **problem_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        if not platform.enabled():
            return problem(
                404, TITLES[404], "Chức năng thanh toán trực tuyến chưa được bật.", "payment_off"
            )
        try:
            handled = services.handle_notification(
                request.body, dict(request.headers), request.META.get("REMOTE_ADDR", "")
            )
        except platform.NotConfigured:
            return problem(
                404, TITLES[404], "Nền tảng thanh toán chưa được cấu hình.", "payment_off"
            )
        if handled.outcome in PROBLEMS:
            code, detail = PROBLEMS[handled.outcome]
            response = problem(handled.status_code, TITLES[handled.status_code], detail, code)
            if handled.outcome == Outcome.FORGED:
                response["WWW-Authenticate"] = 'HMAC-SHA256 header="X-PayGov-Signature"'
            return response
        order_id = handled.payment.order_id if handled.payment else ""
        return Response({"ket_qua": handled.outcome, "order_id": order_id})


urlpatterns = [path("payments/notify/", NotifyView.as_view(), name="payments-notify")]
