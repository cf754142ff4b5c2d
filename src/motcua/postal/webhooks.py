"""Inbound: the postal operator reports events of its parcels.

POST /api/v1/postal/events/, signed as the configured operator's adapter requires (for the
Bưu điện adapter: `X-BuuDien-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with
MOTCUA_POSTAL_WEBHOOK_SECRET). Idempotent: an event received again changes nothing (200).
Answers: 200 every event recorded (`ket_qua` per event), 401 bad signature, 400 not an
event of the operator's format, 422 an event for an order we do not know (the event is
kept and applied when an order gets its tracking number: nothing is lost), 404 webhook off.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.catalog.serializers import problem_responses
from motcua.core.problems import TITLES, problem
from motcua.postal import operator as ops
from motcua.postal import services
from motcua.postal.models import PostalEvent

EventsAnswer = inline_serializer(
    "PostalEventsAnswer",
    {
        "su_kien": serializers.ListField(
            child=inline_serializer(
                "PostalEventOutcome",
                {
                    "ma_su_kien": serializers.CharField(),
                    "ma_van_don": serializers.CharField(),
                    "ket_qua": serializers.ChoiceField(
                        ["applied", "stale", "unmatched", "duplicate"]
                    ),
                },
            )
        )
    },
)


class EventsView(APIView):
    # Authenticated by the signature alone, checked over the raw body before parsing.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["postal"],
        operation_id="postal_events",
        summary="Bưu điện báo sự kiện của bưu gửi (đã lấy hàng, đã phát, chuyển hoàn)",
        description=(
            "Thân yêu cầu theo định dạng của đơn vị bưu chính đã cấu hình, ký HMAC-SHA256 "
            "bằng khóa bí mật dùng chung. Gửi lại cùng sự kiện không thay đổi gì."
        ),
        request={"application/json": {"type": "object"}},
        responses={200: EventsAnswer, **problem_responses(400, 401, 404, 422)},
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        if not settings.MOTCUA_POSTAL_WEBHOOK_SECRET:
            return problem(
                404, TITLES[404], "Chức năng nhận sự kiện từ bưu điện chưa được bật.",
                "webhook_disabled",
            )  # fmt: skip
        try:
            operator = ops.get_operator()
            events = operator.parse_webhook(request.headers, request.body)
        except ops.NotConfigured:
            return problem(404, TITLES[404], "Chưa cấu hình đơn vị bưu chính.", "webhook_disabled")
        except ops.BadSignature:
            response = problem(
                401, TITLES[401], "Chữ ký của yêu cầu không hợp lệ.", "bad_signature"
            )
            response["WWW-Authenticate"] = "HMAC-SHA256"
            return response
        except ops.BadPayload as exc:
            return problem(400, TITLES[400], str(exc), "invalid_event")
        results = services.ingest(events, PostalEvent.Source.WEBHOOK, operator.name)
        body = {
            "su_kien": [
                {
                    "ma_su_kien": r.event.key.partition(":")[2],
                    "ma_van_don": r.event.tracking_number,
                    "ket_qua": "duplicate" if r.duplicate else r.event.outcome,
                }
                for r in results
            ]
        }
        unknown = [r for r in results if not r.matched]
        if unknown:
            return problem(
                422,
                "Không tìm thấy đơn bưu chính",
                "Không có đơn bưu chính nào mang mã vận đơn "
                + ", ".join(sorted({r.event.tracking_number for r in unknown}))
                + ". Sự kiện đã được lưu và sẽ được đối chiếu khi có đơn tương ứng.",
                "unknown_order",
                **body,
            )
        return Response(body)


urlpatterns = [path("postal/events/", EventsView.as_view(), name="postal-events")]
