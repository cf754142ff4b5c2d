"""GET /api/v1/postal/quote/: the fee for having a result delivered by post to a commune."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from motcua.catalog.serializers import problem_responses
from motcua.core.problems import IllegalTransition
from motcua.dossiers import policy, selectors
from motcua.dossiers.models import Channel
from motcua.postal import selectors as postal_selectors
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


class PostalInboundRequestSerializer(serializers.Serializer):
    dossier = serializers.CharField(max_length=64, help_text="Mã hồ sơ nộp qua bưu chính.")
    tracking_number = serializers.CharField(max_length=60, help_text="Mã vận đơn bưu gửi.")


InboundAnswer = inline_serializer(
    "PostalInbound",
    {
        "dossier": serializers.CharField(),
        "reference": serializers.CharField(),
        "tracking_number": serializers.CharField(),
        "handed_over_at": serializers.DateTimeField(),
    },
)


class InboundView(APIView):
    """A desk officer records the parcel a paper dossier came in (its tracking number)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["postal"],
        operation_id="postal_inbound",
        summary="Gắn bưu gửi (mã vận đơn) với hồ sơ giấy nộp qua bưu chính",
        request=PostalInboundRequestSerializer,
        responses={201: InboundAnswer, **problem_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, **kwargs):
        body = PostalInboundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        dossier = selectors.dossier_for(request.user, data["dossier"])
        policy.require(request.user, dossier, "receive")
        if dossier.channel != Channel.POST:
            raise IllegalTransition(
                f"Hồ sơ {dossier.code} không nộp qua bưu chính.", action="postal_inbound"
            )
        order = services.attach_inbound(dossier, data["tracking_number"], request.user)
        return Response(
            {
                "dossier": dossier.code,
                "reference": order.reference,
                "tracking_number": order.tracking_number,
                "handed_over_at": serializers.DateTimeField().to_representation(
                    order.handed_over_at
                ),
            },
            status=201,
        )


class PostalEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    note = serializers.CharField()


class PostalOrderSerializer(serializers.Serializer):
    reference = serializers.CharField()
    direction = serializers.CharField()
    tracking_number = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    fee_vnd = serializers.IntegerField()
    address = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    handed_over_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    events = PostalEventSerializer(source="event_list", many=True)


class PostalOrderRequestSerializer(serializers.Serializer):
    dossier = serializers.CharField(max_length=64, help_text="Mã hồ sơ đã xử lý xong.")


class OrdersView(APIView):
    """A dossier's postal orders (GET ?dossier=), or the desk sends its result by post."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["postal"],
        operation_id="postal_orders",
        summary="Các đơn bưu chính của một hồ sơ và hành trình của chúng",
        parameters=[PostalOrderRequestSerializer],
        responses={200: PostalOrderSerializer(many=True), **problem_responses(400, 401, 404)},
    )
    def get(self, request, **kwargs):
        query = PostalOrderRequestSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        dossier = selectors.dossier_for(request.user, query.validated_data["dossier"])
        return Response(PostalOrderSerializer(postal_selectors.orders_of(dossier), many=True).data)

    @extend_schema(
        tags=["postal"],
        operation_id="postal_order_create",
        summary="Gửi kết quả qua bưu chính (tạo đơn, gửi bưu điện qua hàng đợi)",
        request=PostalOrderRequestSerializer,
        responses={201: PostalOrderSerializer, **problem_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, **kwargs):
        body = PostalOrderRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dossier = selectors.dossier_for(request.user, body.validated_data["dossier"])
        order = services.create_outbound_order(dossier, request.user)
        order.event_list = []
        return Response(PostalOrderSerializer(order).data, status=201)


urlpatterns = [
    path("postal/quote/", QuoteView.as_view(), name="postal-quote"),
    path("postal/inbound/", InboundView.as_view(), name="postal-inbound"),
    path("postal/orders/", OrdersView.as_view(), name="postal-orders"),
]
