"""GET /api/v1/postal/quote/: the fee for having a result delivered by post to a commune."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.catalog.serializers import problem_responses
from motcua.postal import services


class QuoteQuery(serializers.Serializer):
    return_unit = serializers.CharField(
        max_length=16, help_text="Mã xã, phường nhận kết quả (danh mục đơn vị hành chính)."
    )
    from_province = serializers.RegexField(
        r"^[0-9]{2}$",
        required=False,
        help_text="Mã tỉnh nơi gửi (mặc định: tỉnh của xã, phường nhận).",
        error_messages={"invalid": "Mã tỉnh gồm 2 chữ số."},
    )


QuoteAnswer = inline_serializer(
    "PostalQuote",
    {
        "fee_vnd": serializers.IntegerField(help_text="Cước phí (đồng)."),
        "service": serializers.CharField(),
        "delivery_time": serializers.CharField(),
        "operator": serializers.CharField(),
        "return_unit": inline_serializer(
            "PostalQuoteUnit", {"code": serializers.CharField(), "name": serializers.CharField()}
        ),
        "province": inline_serializer(
            "PostalQuoteProvince",
            {"code": serializers.CharField(), "name": serializers.CharField()},
        ),
    },
)


class QuoteView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["postal"],
        operation_id="postal_quote",
        summary="Cước phí trả kết quả qua dịch vụ bưu chính công ích",
        parameters=[QuoteQuery],
        responses={200: QuoteAnswer, **problem_responses(400, 503)},
    )
    def get(self, request, **kwargs):
        query = QuoteQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        answer = services.quote(data["return_unit"], data.get("from_province", ""))
        return Response(
            {
                "fee_vnd": answer.quote.fee_vnd,
                "service": answer.quote.service,
                "delivery_time": answer.quote.days,
                "operator": answer.operator,
                "return_unit": {"code": answer.unit.code, "name": answer.unit.name},
                "province": {"code": answer.province.code, "name": answer.province.name},
            }
        )


urlpatterns = [path("postal/quote/", QuoteView.as_view(), name="postal-quote")]
