"""Delivery receipts from the SMS gateway and events from the Zalo-style channel.

Authenticated by their signature alone (motcua.notify.sms / zalo describe the schemes),
checked before anything is parsed; a receipt seen before changes nothing. Answers: 200
with `ket_qua` recorded / duplicate / unmatched (kept for an administrator), problem
documents otherwise (401 forged, 400 not JSON or not the schema, 404 channel off).
"""

from __future__ import annotations

import datetime as dt
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
from motcua.notify import schemas, services, sms, zalo

ReceiptAnswer = inline_serializer(
    "NotifyReceiptAnswer",
    {"ket_qua": serializers.ChoiceField(["recorded", "duplicate", "unmatched"])},
)


def _forged(header: str) -> Response:
    response = problem(401, TITLES[401], "Chữ ký của báo nhận không hợp lệ.", "bad_signature")
    response["WWW-Authenticate"] = f'HMAC-SHA256 header="{header}"'
    return response


def _body(request: Request, spec: schemas.Spec) -> tuple[dict | None, Response | None]:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None, problem(400, TITLES[400], "Nội dung gửi lên không phải JSON.", "invalid_json")
    errors = schemas.validate(spec, body)
    if errors:
        return None, problem(
            400,
            TITLES[400],
            "Báo nhận thiếu trường hoặc sai kiểu dữ liệu: " + "; ".join(errors[:10]) + ".",
            "invalid_receipt",
        )
    return body, None


def _off() -> Response:
    return problem(404, TITLES[404], "Kênh thông báo này chưa được bật.", "channel_disabled")


class SmsReceiptView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["notify"],
        operation_id="notify_sms_receipt",
        summary="Nhà mạng, đơn vị cung cấp SMS báo kết quả gửi tin nhắn",
        parameters=[
            OpenApiParameter(sms.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True)
        ],
        request={"application/json": {"type": "object"}},
        responses={200: ReceiptAnswer, **problem_responses(400, 401, 404)},
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        secret = settings.MOTCUA_NOTIFY_SMS_RECEIPT_SECRET
        if not secret:
            return _off()
        given = request.headers.get(sms.SIGNATURE_HEADER, "")
        if not sms.verify(request.body, given, secret):
            return _forged(sms.SIGNATURE_HEADER)
        body, error = _body(request, schemas.SMS_RECEIPT)
        if error is not None:
            return error
        outcome = services.record_receipt(
            "sms",
            body["receipt_id"],
            status=body["status"],
            message_id=body["message_id"],
            reference=body.get("ref") or "",
            at=dt.datetime.fromisoformat(body["at"]),
            error=body.get("error") or "",
            raw=body,
        )
        return Response({"ket_qua": outcome})


class ZaloEventView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["notify"],
        operation_id="notify_zalo_event",
        summary="Kênh Zalo báo tin nhắn đã đến hoặc không gửi được",
        parameters=[
            OpenApiParameter(zalo.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(zalo.TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
        ],
        request={"application/json": {"type": "object"}},
        responses={200: ReceiptAnswer, **problem_responses(400, 401, 404)},
    )
    def post(self, request: Request, **kwargs: Any) -> Response:
        app_id = settings.MOTCUA_NOTIFY_ZALO_APP_ID
        secret = settings.MOTCUA_NOTIFY_ZALO_SECRET
        if not secret or not app_id:
            return _off()
        timestamp = request.headers.get(zalo.TIMESTAMP_HEADER, "")
        given = request.headers.get(zalo.SIGNATURE_HEADER, "")
        if not zalo.verify(app_id, request.body, timestamp, given, secret):
            return _forged(zalo.SIGNATURE_HEADER)
        body, error = _body(request, schemas.ZALO_EVENT)
        if error is not None:
            return error
        if body["app_id"] != app_id or body["timestamp"] != timestamp:
            return problem(
                400, TITLES[400], "Mã ứng dụng hoặc thời điểm không khớp.", "invalid_event"
            )
        message = body["message"]
        delivered = body["event_name"] == "user_received_message"
        outcome = services.record_receipt(
            "zalo",
            body["event_id"],
            status="delivered" if delivered else "failed",
            message_id=message["msg_id"],
            reference=str(message.get("tracking_id") or ""),
            at=dt.datetime.fromtimestamp(int(body["timestamp"]) / 1000, tz=dt.UTC),
            error=str(message.get("error") or ""),
            raw=body,
        )
        return Response({"ket_qua": outcome})


urlpatterns = [
    path("notify/sms/receipts/", SmsReceiptView.as_view(), name="notify-sms-receipt"),
    path("notify/zalo/events/", ZaloEventView.as_view(), name="notify-zalo-event"),
]
