"""Public catalogue API: procedure search and detail, agencies to choose from."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.permissions import AllowAny

from motcua.catalog import selectors
from motcua.catalog.models import Agency, Procedure
from motcua.catalog.serializers import (
    AgencyQuerySerializer,
    AgencySerializer,
    ProcedureDetailSerializer,
    ProcedureQuerySerializer,
    ProcedureSummarySerializer,
    problem_responses,
)


def _query(serializer_class: type, request) -> dict:
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


@extend_schema_view(
    get=extend_schema(
        tags=["catalogue"],
        operation_id="procedure_list",
        summary="Tra cứu thủ tục hành chính",
        parameters=[ProcedureQuerySerializer],
        responses={200: ProcedureSummarySerializer(many=True), **problem_responses(400)},
    )
)
class ProcedureListView(generics.ListAPIView):
    serializer_class = ProcedureSummarySerializer
    permission_classes = [AllowAny]

    def get_queryset(self) -> QuerySet[Procedure]:
        return selectors.search_procedures(**_query(ProcedureQuerySerializer, self.request))


@extend_schema_view(
    get=extend_schema(
        tags=["catalogue"],
        operation_id="procedure_retrieve",
        summary="Chi tiết thủ tục: thành phần hồ sơ, phí, thời hạn",
        responses={200: ProcedureDetailSerializer, **problem_responses(404)},
    )
)
class ProcedureDetailView(generics.RetrieveAPIView):
    serializer_class = ProcedureDetailSerializer
    permission_classes = [AllowAny]
    queryset = Procedure.objects.none()  # lets the schema type the {code} parameter
    lookup_field = "code"

    def get_object(self) -> Procedure:
        procedure = selectors.procedure_by_code(self.kwargs["code"])
        if procedure is None:
            raise Http404("Không tìm thấy thủ tục")
        return procedure


@extend_schema_view(
    get=extend_schema(
        tags=["catalogue"],
        operation_id="agency_list",
        summary="Danh sách cơ quan (ví dụ để chọn UBND cấp xã nơi nộp)",
        parameters=[AgencyQuerySerializer],
        responses={200: AgencySerializer(many=True), **problem_responses(400)},
    )
)
class AgencyListView(generics.ListAPIView):
    serializer_class = AgencySerializer
    permission_classes = [AllowAny]

    def get_queryset(self) -> QuerySet[Agency]:
        return selectors.active_agencies(**_query(AgencyQuerySerializer, self.request))


urlpatterns = [
    path("procedures/", ProcedureListView.as_view(), name="procedure-list"),
    path("procedures/<str:code>/", ProcedureDetailView.as_view(), name="procedure-detail"),
    path("agencies/", AgencyListView.as_view(), name="agency-list"),
]
