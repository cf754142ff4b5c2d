"""Dossier API: submission, lookup, history and every desk/applicant action.

Views only parse, call a service or selector, and serialize. Authorization lives in the
services (policy.require -> 403); a dossier the caller may not see answers 404 first
(selectors.dossier_for), so codes of other people's dossiers cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from motcua.catalog.serializers import problem_responses
from motcua.core import ratelimit
from motcua.core.parsers import BODY_PARSERS, FILE_PARSERS
from motcua.core.problems import IllegalTransition, InvalidInput
from motcua.dossiers import policy, selectors, services
from motcua.dossiers.models import Channel, Dossier, DossierAccess
from motcua.dossiers.serializers import (
    COMPONENT_FILES_SCHEMA,
    PERSONAL_FIELDS,
    AccessSerializer,
    ApologiseSerializer,
    AssignSerializer,
    ChangeReturnChannelSerializer,
    CompleteStepFilesSerializer,
    CounterPaymentSerializer,
    DeskSubmitFilesSerializer,
    DeskSubmitSerializer,
    DossierDetailSerializer,
    DossierQuerySerializer,
    DossierSummarySerializer,
    EmptySerializer,
    EventSerializer,
    FinishFilesSerializer,
    LookupSerializer,
    NoteSerializer,
    PublicStatusSerializer,
    ReasonSerializer,
    RequestOpinionSerializer,
    RequestPaymentSerializer,
    RequestSupplementSerializer,
    ReturnResultSerializer,
    SendBackSerializer,
    StepSerializer,
    SubmitFilesSerializer,
    SubmitSerializer,
    SupplementFilesSerializer,
    detail_data,
    missing_items,
    public_status_data,
    recipient_data,
    return_choice,
    uploads_from,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 128  # IdempotencyRecord.key
LIST_PERSONAL_FIELDS = ["subject"]  # what DossierSummarySerializer shows of the applicant
EVENT_FIELDS = ["events"]  # the history: actors, notes and each step's data

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    description=(
        "Khóa chống nộp trùng do máy khách sinh ra (tối đa 128 ký tự). Gửi lại cùng khóa "
        "và cùng nội dung trả về hồ sơ đã tạo (200); khóa đã dùng cho nội dung khác: 400."
    ),
)


def _detail_response(
    request: Request,
    dossier: Dossier,
    status_code: int = status.HTTP_200_OK,
    *,
    log_read: bool = True,
    headers: dict[str, str] | None = None,
    **known: Any,
) -> Response:
    # Personal data shown to an officer is logged (Luật Bảo vệ dữ liệu cá nhân); the
    # applicant reading their own dossier is not.
    if log_read:
        services.record_reads(
            request.user, [dossier], via=DossierAccess.Via.API, fields=PERSONAL_FIELDS
        )
    data = detail_data(dossier, request.user, **known)
    return Response(data, status=status_code, headers=headers)


def _idempotency_key(request: Request) -> str | None:
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise InvalidInput(
            f"{IDEMPOTENCY_HEADER} dài tối đa {IDEMPOTENCY_KEY_MAX} ký tự.",
            code="invalid_idempotency_key",
        )
    return key or None


def _component_files(request: Request, body_class: type[SubmitSerializer]):
    """The multipart files but the authorisation, which the body carries on its own."""
    files = request.FILES
    if "authorisation" in body_class._declared_fields and "authorisation" in files:
        files = files.copy()
        files.pop("authorisation")
    return files


def _submit(request: Request, body_class: type[SubmitSerializer]) -> Response:
    data = valid_body(body_class, request.data)
    result = services.submit(
        procedure=data["procedure"],
        applicant=body_class.applicant(data),
        actor=request.user,
        channel=data.get("channel", Channel.ONLINE),
        agency=data["agency"],
        uploads=uploads_from(_component_files(request, body_class), data=request.data),
        subject=data.get("subject", ""),
        idempotency_key=_idempotency_key(request),
        handed_over_at=data.get("handed_over_at"),
        return_choice=return_choice(data),
        representation=body_class.representation_data(data),
    )
    dossier = result.dossier
    location = reverse("dossier-detail", kwargs={"code": dossier.code}, request=request)
    # The citizen reads their own data; a desk officer typed it in: no read to log.
    # A new dossier's files are those just stored, and it has no processing legs yet, nor
    # steps until it is received (a desk intake receives it at once: those are read).
    known = {"attachments": result.attachments, "legs": []} if result.created else {}
    if result.created and dossier.received_at is None:
        known["steps"] = []
    return _detail_response(
        request,
        dossier,
        status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        log_read=False,
        headers={"Location": location},
        **known,
    )


@extend_schema_view(
    get=extend_schema(
        tags=["dossiers"],
        operation_id="dossier_list",
        summary="Hồ sơ của tôi (công dân) hoặc của cơ quan tôi (cán bộ)",
        parameters=[DossierQuerySerializer],
        responses={200: DossierSummarySerializer(many=True), **problem_responses(400, 403)},
    ),
    post=extend_schema(
        tags=["dossiers"],
        operation_id="dossier_submit",
        summary="Nộp hồ sơ trực tuyến (công dân)",
        description=(
            "multipart/form-data. Tệp của mỗi thành phần hồ sơ gửi trong trường "
            "`component_<id>` (id lấy từ chi tiết thủ tục), tệp khác trong `files`."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request={"multipart/form-data": SubmitFilesSerializer},
        responses={
            201: DossierDetailSerializer,
            200: DossierDetailSerializer,
            **problem_responses(400, 403),
        },
    ),
)
class DossierListCreateView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    parser_classes = FILE_PARSERS
    serializer_class = DossierSummarySerializer

    def get_queryset(self) -> QuerySet[Dossier]:
        params = DossierQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        qs = selectors.visible_dossiers(self.request.user)
        if params.validated_data.get("status"):
            qs = qs.filter(status=params.validated_data["status"])
        return qs

    def paginate_queryset(self, queryset: QuerySet[Dossier]) -> list[Dossier] | None:
        # The rows carry the applicant's own words (subject): an officer's page view is
        # one audit entry naming every dossier on it (services.record_reads).
        page = super().paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        services.record_reads(
            self.request.user,
            rows,
            via=DossierAccess.Via.API,
            fields=LIST_PERSONAL_FIELDS,
            page="api.dossier_list",
        )
        return page

    def post(self, request: Request, **kwargs: Any) -> Response:
        # Counted before the body is read.
        decision = ratelimit.submission(request)
        if not decision.allowed:
            raise Throttled(wait=decision.retry_after, detail="Bạn đã nộp quá nhiều hồ sơ.")
        return _submit(request, SubmitSerializer)


@extend_schema_view(
    post=extend_schema(
        tags=["desk"],
        operation_id="dossier_desk_submit",
        summary="Tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính (cán bộ một cửa)",
        description="Như nộp trực tuyến; hồ sơ được tiếp nhận ngay bởi cơ quan của cán bộ.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request={"multipart/form-data": DeskSubmitFilesSerializer},
        responses={
            201: DossierDetailSerializer,
            200: DossierDetailSerializer,
            **problem_responses(400, 403),
        },
    )
)
class DeskSubmitView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = FILE_PARSERS

    def post(self, request: Request, **kwargs: Any) -> Response:
        return _submit(request, DeskSubmitSerializer)


@extend_schema_view(
    get=extend_schema(
        tags=["dossiers"],
        operation_id="dossier_retrieve",
        summary="Chi tiết hồ sơ",
        description="Cán bộ xem thông tin cá nhân của người nộp được ghi nhật ký.",
        responses={200: DossierDetailSerializer, **problem_responses(403, 404)},
    )
)
class DossierDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, code: str, **kwargs: Any) -> Response:
        return _detail_response(request, selectors.dossier_for(request.user, code))


# Fields bound once; stateless here: only run_validation is called, from any thread.
_LOOKUP_BODY = LookupSerializer()


@extend_schema_view(
    post=extend_schema(
        tags=["lookup"],
        operation_id="dossier_lookup",
        summary="Tra cứu tình trạng hồ sơ bằng mã hồ sơ và số định danh của người nộp",
        description=(
            "Không cần đăng nhập. Số định danh gửi trong thân yêu cầu (POST), không nằm trong "
            "URL và nhật ký truy cập. Giới hạn số lần tra cứu theo địa chỉ máy khách."
        ),
        request=LookupSerializer,
        responses={200: PublicStatusSerializer, **problem_responses(400, 404, 429)},
    )
)
class LookupView(APIView):
    # Public: neither the session (no CSRF token to ask for) nor a token is read.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = BODY_PARSERS

    def post(self, request: Request, **kwargs: Any) -> Response:
        decision = ratelimit.lookup(request)
        if not decision.allowed:
            raise Throttled(wait=decision.retry_after, detail="Bạn đã tra cứu quá nhiều lần.")
        data = request.data
        if isinstance(data, dict):
            # What LookupSerializer(data=data).is_valid(raise_exception=True) does, through
            # fields built once per process (DRF deep-copies the declared fields for every
            # serializer instance); any other body is refused by a serializer as before.
            valid = _LOOKUP_BODY.run_validation(data)
        else:
            body = LookupSerializer(data=data)
            body.is_valid(raise_exception=True)
            valid = body.validated_data
        dossier = selectors.public_status(valid["code"], valid["id_number"])
        if dossier is None:
            raise NotFound("Không tìm thấy hồ sơ với mã hồ sơ và số định danh cá nhân đã nhập.")
        return Response(public_status_data(dossier))


@extend_schema_view(
    get=extend_schema(
        tags=["dossiers"],
        operation_id="dossier_events",
        summary="Quá trình xử lý hồ sơ (phiếu kiểm soát)",
        responses={200: EventSerializer(many=True), **problem_responses(403, 404)},
    )
)
class DossierEventsView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, code: str, **kwargs: Any) -> Response:
        dossier = selectors.dossier_for(request.user, code)
        events = EventSerializer(selectors.events_of(dossier), many=True).data
        # The history names people and carries their notes: an officer's read is logged
        # like the detail's, and the applicant sees it in their access list.
        services.record_reads(
            request.user,
            [dossier],
            via=DossierAccess.Via.API,
            fields=EVENT_FIELDS,
            subject=("dossier_events", dossier.code),
        )
        return Response(events)


@extend_schema_view(
    get=extend_schema(
        tags=["dossiers"],
        operation_id="dossier_accesses",
        summary="Ai đã xem hồ sơ của tôi (chỉ người nộp)",
        description=(
            "Các lượt cán bộ, công chức xem thông tin cá nhân trong hồ sơ: vai trò, cơ quan, "
            "đã xem gì; mỗi dòng gộp một ngày, mới nhất trước."
        ),
        responses={200: AccessSerializer(many=True), **problem_responses(404)},
    )
)
class DossierAccessesView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, code: str, **kwargs: Any) -> Response:
        dossier = selectors.dossier_for(request.user, code)
        # The applicant's own list: officers have the audit log, not this.
        if not policy.is_owner(request.user, dossier) or policy.officer_of(request.user):
            raise NotFound("Không tìm thấy hồ sơ.")
        return Response(AccessSerializer(selectors.accesses_of(dossier), many=True).data)


# --- actions --------------------------------------------------------------------------

Run = Callable[[Dossier, User, dict[str, Any], list[services.Upload]], Dossier]


@dataclass(frozen=True)
class ActionSpec:
    body: type[serializers.Serializer]
    run: Run
    summary: str
    # Multipart `files` (and, for a supplement, `component_<id>`); `schema` then adds the
    # file fields for the OpenAPI document, while the services check the files themselves.
    files: str = ""  # "" | "plain" | "components"
    schema: type[serializers.Serializer] | None = None


# Payments are recorded by motcua.payments (a Payment row, its receipt, the platform's
# order cancelled): it registers these runners in its ready(), so this module never imports
# it and no API client can mark a dossier paid without the payment's own record.
PAYMENT_RUNNERS: dict[str, Run] = {}


def _payment_runner(name: str) -> Run:
    runner = PAYMENT_RUNNERS.get(name)
    if runner is None:
        raise IllegalTransition(
            "Chức năng thu phí, lệ phí chưa được cài đặt trên hệ thống này.",
            code="payments_unavailable",
        )
    return runner


ACTIONS: dict[str, ActionSpec] = {
    "receive": ActionSpec(
        NoteSerializer,
        lambda d, u, v, f: services.receive(d, u, note=v["note"]),
        "Tiếp nhận hồ sơ",
    ),
    "refuse": ActionSpec(
        ReasonSerializer,
        lambda d, u, v, f: services.refuse(d, u, reason=v["reason"]),
        "Từ chối tiếp nhận (mẫu 03)",
    ),
    "request_supplement": ActionSpec(
        RequestSupplementSerializer,
        lambda d, u, v, f: services.request_supplement(d, u, missing_items(v), note=v["note"]),
        "Yêu cầu bổ sung hồ sơ (mẫu 02): đầy đủ, lý do từng giấy tờ; một lần mỗi bước",
    ),
    "complete_supplement": ActionSpec(
        EmptySerializer,
        lambda d, u, v, f: services.complete_supplement(d, u, f),
        "Nộp bổ sung giấy tờ",
        files="components",
        schema=SupplementFilesSerializer,
    ),
    "assign": ActionSpec(
        AssignSerializer,
        lambda d, u, v, f: services.assign(
            d,
            u,
            to_agency=v["to_agency"],
            to_user=v.get("to_user"),
            budget_days=v.get("budget_days"),
            note=v["note"],
        ),
        "Chuyển xử lý (bước mới với thời hạn riêng)",
    ),
    "request_payment": ActionSpec(
        RequestPaymentSerializer,
        lambda d, u, v, f: _payment_runner("request_payment")(d, u, v, f),
        "Yêu cầu thực hiện nghĩa vụ tài chính (số tiền theo phí, lệ phí của thủ tục)",
    ),
    "confirm_payment": ActionSpec(
        CounterPaymentSerializer,
        lambda d, u, v, f: _payment_runner("confirm_payment")(d, u, v, f),
        "Thu phí, lệ phí tại quầy (tiền mặt hoặc thẻ, có số biên lai)",
    ),
    "approve": ActionSpec(
        NoteSerializer,
        lambda d, u, v, f: services.approve(d, u, note=v["note"]),
        "Phê duyệt (lãnh đạo)",
    ),
    "finish": ActionSpec(
        NoteSerializer,
        lambda d, u, v, f: services.finish(d, u, f, note=v["note"]),
        "Hoàn thành xử lý, đính kèm kết quả",
        files="plain",
        schema=FinishFilesSerializer,
    ),
    "return_result": ActionSpec(
        ReturnResultSerializer,
        lambda d, u, v, f: services.return_result(
            d, u, v.get("method"), note=v["note"], recipient=recipient_data(v)
        ),
        "Trả kết quả theo hình thức đã đăng ký (tại một cửa: ghi người nhận)",
    ),
    "change_return_channel": ActionSpec(
        ChangeReturnChannelSerializer,
        lambda d, u, v, f: services.change_return_channel(d, u, return_choice(v), note=v["note"]),
        "Thay đổi hình thức nhận kết quả (trước khi trả kết quả)",
    ),
    # Steps of the internal process (quy trình nội bộ, NĐ 118/2025).
    "take_step": ActionSpec(
        StepSerializer,
        lambda d, u, v, f: services.take_step(d, u, v["step"], note=v["note"]),
        "Nhận xử lý một bước của quy trình nội bộ",
    ),
    "complete_step": ActionSpec(
        StepSerializer,
        lambda d, u, v, f: services.complete_step(d, u, v["step"], note=v["note"], uploads=f),
        "Hoàn thành bước (dự thảo: kèm tệp PDF; cho ý kiến: ghi ý kiến; ban hành: số kết quả)",
        files="plain",
        schema=CompleteStepFilesSerializer,
    ),
    "send_back": ActionSpec(
        SendBackSerializer,
        lambda d, u, v, f: services.send_back(d, u, v["step"], v["to_order"], v["reason"]),
        "Trả lại một bước trước đó, kèm lý do",
    ),
    "request_opinion": ActionSpec(
        RequestOpinionSerializer,
        lambda d, u, v, f: services.request_opinion(
            d,
            u,
            v["step"],
            to_agency=v["to_agency"],
            budget_hours=v["budget_hours"],
            question=v["question"],
        ),
        "Xin ý kiến cơ quan khác (phiếu chuyển, thời hạn riêng)",
    ),
    "sign": ActionSpec(
        StepSerializer,
        lambda d, u, v, f: services.sign(d, u, v["step"], note=v["note"]),
        "Lãnh đạo ký số dự thảo kết quả",
    ),
    "withdraw": ActionSpec(
        ReasonSerializer,
        lambda d, u, v, f: services.withdraw(d, u, reason=v["reason"]),
        "Rút hồ sơ",
    ),
    "stop": ActionSpec(
        ReasonSerializer,
        lambda d, u, v, f: services.stop(d, u, reason=v["reason"]),
        "Dừng xử lý",
    ),
    "apologise": ActionSpec(
        ApologiseSerializer,
        lambda d, u, v, f: services.apologise(d, u, v["new_due_at"], v["reason"]),
        "Xin lỗi và hẹn lại ngày trả kết quả (mẫu 04), một lần",
    ),
}


# The bodies run most (submissions; receive, assign, notes, reasons): DRF deep-copies a
# serializer's declared fields for every instance, so a dict body (a multipart QueryDict
# is one) is validated by one instance per class built once per process (its bound
# fields; only run_validation is called, which keeps no state), as
# is_valid(raise_exception=True) would validate it (tests/dossiers/test_action_bodies.py).
# Other bodies still get a serializer each.
SHARED_BODIES = (
    NoteSerializer,
    ReasonSerializer,
    AssignSerializer,
    StepSerializer,
    SubmitSerializer,
    DeskSubmitSerializer,
)
_BOUND_BODIES: dict[type[serializers.Serializer], serializers.Serializer] = {}


def valid_body(body_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """body_class(data=data).is_valid(raise_exception=True) and its validated_data."""
    if isinstance(data, dict) and body_class in SHARED_BODIES:
        bound = _BOUND_BODIES.get(body_class)
        if bound is None:
            bound = _BOUND_BODIES.setdefault(body_class, body_class())
        return bound.run_validation(data)
    body = body_class(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class DossierActionView(APIView):
    """POST /dossiers/{code}/actions/{action}/: one subclass per action (see below) so
    that each has its own body in the OpenAPI schema."""

    permission_classes = [IsAuthenticated]
    parser_classes = BODY_PARSERS
    action_name = ""

    def post(self, request: Request, code: str, **kwargs: Any) -> Response:
        spec = ACTIONS.get(kwargs.get("action") or self.action_name)
        if spec is None:
            raise NotFound("Không có thao tác này trên hồ sơ.")
        dossier = selectors.dossier_for(request.user, code)
        valid = valid_body(spec.body, request.data)
        uploads: list[services.Upload] = []
        if spec.files == "components":
            # A supplement may fill in a component of the dossier's own procedure.
            component_ids = set(dossier.procedure.components.values_list("pk", flat=True))
            uploads = uploads_from(request.FILES, data=request.data, component_ids=component_ids)
        elif spec.files == "plain":
            uploads = uploads_from(request.FILES, components=False)
        dossier = spec.run(dossier, request.user, valid, uploads)
        return _detail_response(request, dossier)


@extend_schema(exclude=True)
class UnknownActionView(DossierActionView):
    """Catch-all after the per-action routes: an unknown action is a 404 problem."""


def _action_view(name: str, spec: ActionSpec) -> type[DossierActionView]:
    view = type(
        "".join(p.title() for p in name.split("_")) + "ActionView",
        (DossierActionView,),
        {
            "action_name": name,
            "parser_classes": FILE_PARSERS if spec.files else BODY_PARSERS,
        },
    )
    request_schema: Any = spec.body
    if spec.files:
        request_schema = {"multipart/form-data": spec.schema, "application/json": spec.body}
    return extend_schema_view(
        post=extend_schema(
            tags=["actions"],
            operation_id=f"dossier_{name}",
            summary=spec.summary,
            request=request_schema,
            responses={200: DossierDetailSerializer, **problem_responses(400, 403, 404, 409)},
        )
    )(view)


urlpatterns = [
    path("dossiers/", DossierListCreateView.as_view(), name="dossier-list"),
    # Before dossiers/<code>/: "desk" is not a dossier code.
    path("dossiers/desk/", DeskSubmitView.as_view(), name="dossier-desk-submit"),
    path("lookup/", LookupView.as_view(), name="dossier-lookup"),
    path("dossiers/<str:code>/", DossierDetailView.as_view(), name="dossier-detail"),
    path("dossiers/<str:code>/events/", DossierEventsView.as_view(), name="dossier-events"),
    path("dossiers/<str:code>/accesses/", DossierAccessesView.as_view(), name="dossier-accesses"),
    *[
        path(
            f"dossiers/<str:code>/actions/{name}/",
            _action_view(name, spec).as_view(),
            name=f"dossier-action-{name}",
        )
        for name, spec in ACTIONS.items()
    ],
    path(
        "dossiers/<str:code>/actions/<str:action>/",
        UnknownActionView.as_view(),
        name="dossier-action-unknown",
    ),
]


# Multipart bodies that take `component_<id>` parts besides their named fields.
COMPONENT_BODIES = ("SubmitFiles", "DeskSubmitFiles", "SupplementFiles")
MULTIPART_BODIES = (*COMPONENT_BODIES, "FinishFiles")


def describe_component_files(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular post-processing hook: `component_<id>` names depend on the procedure,
    so they are described as additional binary properties (OpenAPI 3.0 has no
    patternProperties)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in COMPONENT_BODIES:
        if name in schemas:
            schemas[name]["additionalProperties"] = COMPONENT_FILES_SCHEMA
    for name in MULTIPART_BODIES:
        if name in schemas:
            _empty_defaults(schemas[name])
    return result


def _free_text(prop: dict) -> bool:
    """Text with nothing to pick: plain strings, and the blank choice of an optional enum."""
    if prop.get("$ref", "").endswith("/BlankEnum"):
        return True
    return prop.get("type") == "string" and "format" not in prop and "enum" not in prop


def _empty_defaults(schema: dict) -> None:
    """Optional lists and free text default to empty, as the API treats them: Swagger UI
    otherwise fills its form with samples ("string", a list with one item) that a
    person must delete before "Try it out" can submit."""
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        if name in required or "default" in prop:
            continue
        if prop.get("type") == "array":
            prop["default"] = []
        elif _free_text(prop) or any(_free_text(p) for p in prop.get("oneOf", ())):
            prop["default"] = ""  # "oneOf": e.g. an e-mail address or blank
