"""Dossier representations and the request bodies of the REST API.

Serializers only check the shape of the input and look objects up; every business rule
is enforced by motcua.dossiers.services (and policy), which raise problem documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_datetime
from django.utils.encoding import smart_str
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from motcua.catalog import selectors as catalog_selectors
from motcua.catalog.models import AdministrativeUnit, Agency, Procedure
from motcua.catalog.serializers import AgencyRefSerializer, enum_field
from motcua.core.fields import IdNumberField, PhoneField, TextField
from motcua.core.prepared import Prepared
from motcua.core.problems import InvalidInput
from motcua.dossiers import policy, selectors, services
from motcua.dossiers.models import (
    Attachment,
    Channel,
    Dossier,
    DossierStep,
    Event,
    ProcessingLeg,
    Representation,
    ReturnMethod,
    Status,
)

# Shown to officers only with an audit entry (motcua.core.audit.record_read).
PERSONAL_FIELDS = [
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "return_address",
]
# Every action name, in the order a client would show them.
ACTION_NAMES = list(policy.OFFICER_ACTIONS) + sorted(
    policy.APPLICANT_ACTIONS - set(policy.OFFICER_ACTIONS)
)
DESK_CHANNELS = [(Channel.DESK.value, Channel.DESK.label), (Channel.POST.value, Channel.POST.label)]
ChannelField = enum_field("Channel", Channel.choices)
DeskChannelField = enum_field("DeskChannel", DESK_CHANNELS)
StatusField = enum_field("DossierStatus", Status.choices)
ReturnMethodField = enum_field("ReturnMethod", ReturnMethod.choices)
FILES_FIELD = "files"
COMPONENT_PREFIX = "component_"
PAIRED_FILES_FIELD = "component_files"
PAIRED_IDS_FIELD = "component_ids"


# --- files ----------------------------------------------------------------------------


def _paired_component_ids(data: Any, count: int, known: set[int] | None) -> list[int]:
    """The ids sent in `component_ids` for the files of `component_files`, in order;
    repeated fields or one comma-separated value (as Swagger UI sends an array)."""
    raw = data.getlist(PAIRED_IDS_FIELD) if hasattr(data, "getlist") else []
    ids = [part.strip() for value in raw for part in str(value).split(",") if part.strip()]
    if len(ids) != count:
        raise serializers.ValidationError(
            {
                PAIRED_IDS_FIELD: [
                    f"Cần đúng một mã thành phần cho mỗi tệp trong “{PAIRED_FILES_FIELD}”, "
                    "theo cùng thứ tự."
                ]
            }
        )
    if not all(i.isascii() and i.isdigit() and len(i) < 12 for i in ids) or (
        known is not None and not {int(i) for i in ids} <= known
    ):
        raise serializers.ValidationError(
            {PAIRED_IDS_FIELD: ["Thành phần hồ sơ không thuộc thủ tục của hồ sơ."]}
        )
    return [int(i) for i in ids]


def uploads_from(
    files: MultiValueDict,
    *,
    data: Any = None,
    component_ids: set[int] | None = None,
    components: bool = True,
) -> list[services.Upload]:
    """Turn multipart file fields into uploads: `component_<id>` (one or more files per
    component), `component_files` with `component_ids` in the same order (the same thing in
    a shape Swagger UI's form can send), and `files` (no component). Unknown field names
    are refused rather than silently dropped, so an applicant never believes a file was
    sent when it was not.

    `component_ids` restricts the accepted components (None: the service checks them).
    """
    uploads: list[services.Upload] = []
    for key in files:
        component_id: int | None = None
        if key == PAIRED_FILES_FIELD and components:
            paired = files.getlist(key)
            ids = _paired_component_ids(data, len(paired), component_ids)
            uploads.extend(services.Upload(f, i) for f, i in zip(paired, ids, strict=True))
            continue
        if key.startswith(COMPONENT_PREFIX) and components:
            raw = key.removeprefix(COMPONENT_PREFIX)
            if not raw.isdigit() or (component_ids is not None and int(raw) not in component_ids):
                raise serializers.ValidationError(
                    {key: ["Thành phần hồ sơ không thuộc thủ tục của hồ sơ."]}
                )
            component_id = int(raw)
        elif key != FILES_FIELD:
            accepted = (
                f"“{FILES_FIELD}” hoặc “{COMPONENT_PREFIX}<mã>”" if components else FILES_FIELD
            )
            raise serializers.ValidationError(
                {key: [f"Trường tệp không hợp lệ; chỉ nhận {accepted}."]}
            )
        uploads.extend(services.Upload(f, component_id) for f in files.getlist(key))
    return uploads


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its UTC offset: a deadline sent without one
    would be read in the server's time zone, which the client may not know."""

    # Working-time arithmetic walks the calendar day by day: a date centuries away would
    # be a denial of service, and none is meaningful for a dossier.
    min_year, max_year = 2000, 2100

    def to_internal_value(self, value: Any):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well formed but impossible, e.g. 30 February
                raise serializers.ValidationError("Ngày giờ không tồn tại.") from None
            if parsed is not None and parsed.tzinfo is None:
                raise serializers.ValidationError(
                    "Thời điểm phải có múi giờ, ví dụ 2026-11-30T17:00:00+07:00."
                )
        result = super().to_internal_value(value)
        if not self.min_year <= result.year <= self.max_year:
            raise serializers.ValidationError(
                f"Thời điểm phải trong khoảng năm {self.min_year}–{self.max_year}."
            )
        return result


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A multipart file part. DRF's FileField is typed as a URL (its output); a request
    carries the bytes, so Swagger UI shows a file chooser."""


# Schema only: the `component_<id>` parts of a multipart body, one or more files each.
COMPONENT_FILES_SCHEMA = {
    "type": "array",
    "items": {"type": "string", "format": "binary"},
    "description": (
        "Trường `component_<id>` (id: `components[].id` trong chi tiết thủ tục): "
        "một hoặc nhiều tệp của thành phần hồ sơ đó."
    ),
}


# --- return channel --------------------------------------------------------------------


class ReturnChoiceFields(serializers.Serializer):
    """How the applicant wants the result: at submission, and when the desk changes it."""

    return_channel = ReturnMethodField(
        choices=ReturnMethod.choices,
        required=False,
        help_text=(
            "Hình thức nhận kết quả người nộp chọn (ghi trên mẫu 01). Mặc định: nộp trực "
            "tuyến nhận trực tuyến, nộp trực tiếp hoặc qua bưu chính nhận tại một cửa."
        ),
    )
    return_address = TextField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Qua bưu chính (bắt buộc): số nhà, đường, thôn, xóm.",
    )
    return_unit = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text="Qua bưu chính (bắt buộc): mã xã, phường, đặc khu nơi nhận.",
    )
    return_province = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text="Mã tỉnh, thành phố của xã nơi nhận; nếu gửi, xã phải thuộc tỉnh này.",
    )


def return_choice(data: dict[str, Any]) -> services.ReturnChoice:
    """The ReturnChoice of validated ReturnChoiceFields data (unknown unit codes: 400)."""
    units = {}
    for name in ("return_unit", "return_province"):
        code = (data.get(name) or "").strip()
        units[name] = selectors.unit_by_code(code) if code else None
        if code and units[name] is None:
            raise InvalidInput(
                f"Không tìm thấy đơn vị hành chính có mã “{code}”.",
                code="unknown_administrative_unit",
            )
    return services.ReturnChoice(
        channel=data.get("return_channel") or "",
        address=data.get("return_address", ""),
        unit=units["return_unit"],
        province=units["return_province"],
    )


# --- submission -----------------------------------------------------------------------


class SubmitSerializer(ReturnChoiceFields):
    """Online submission by a citizen (multipart; files as component_<id> / files)."""

    procedure_code = serializers.CharField(max_length=32)
    agency = serializers.CharField(
        max_length=35,
        required=False,
        allow_blank=True,
        help_text="Mã định danh UBND cấp xã nơi nộp; bắt buộc với thủ tục cấp xã.",
    )
    # Online: filled from the identity bound to the account (VNeID, or declared once);
    # another ID number is refused unless `representation` is declared.
    applicant_name = TextField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Để trống: lấy họ tên gắn với tài khoản.",
    )
    applicant_id_number = IdNumberField(
        required=False,
        allow_blank=True,
        help_text=(
            "Để trống: lấy số định danh gắn với tài khoản. Số khác chỉ được nhận khi nộp thay "
            "(`representation`)."
        ),
    )
    applicant_phone = PhoneField(required=False, allow_blank=True)
    applicant_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    applicant_address = TextField(max_length=300, required=False, allow_blank=True)
    subject = TextField(max_length=500, required=False, allow_blank=True)
    representation = serializers.ChoiceField(
        choices=Representation.Relationship.choices,
        required=False,
        allow_blank=True,
        help_text="Nộp thay người khác: tư cách đại diện (cần `represented_*` và `authorisation`).",
    )
    represented_name = TextField(
        max_length=200, required=False, allow_blank=True, help_text="Họ tên người được đại diện."
    )
    represented_id_number = IdNumberField(
        required=False, allow_blank=True, help_text="Số định danh cá nhân người được đại diện."
    )
    authorisation = UploadField(
        required=False,
        help_text="Giấy ủy quyền (hoặc giấy tờ chứng minh quyền đại diện theo pháp luật).",
    )

    # Checked here only for the online channel: a desk submission is received by the
    # officer's own agency whatever the client sends.
    check_agency_routing = True

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("representation"):
            missing = {
                "represented_name": "Vui lòng nhập họ tên người được đại diện.",
                "represented_id_number": "Vui lòng nhập số định danh người được đại diện.",
            }
            errors = {k: [m] for k, m in missing.items() if not attrs.get(k)}
            if errors:
                raise serializers.ValidationError(errors)
        procedure = catalog_selectors.procedure_for_submission(attrs["procedure_code"])
        if procedure is None:
            raise InvalidInput(
                f"Không tìm thấy thủ tục có mã “{attrs['procedure_code']}”.",
                code="unknown_procedure",
            )
        agency = None
        if attrs.get("agency"):
            agency = catalog_selectors.agency_by_identifier(attrs["agency"])
            if agency is None:
                raise InvalidInput(
                    f"Không tìm thấy cơ quan có mã định danh “{attrs['agency']}”.",
                    code="unknown_agency",
                )
        attrs["procedure"] = procedure
        attrs["agency"] = agency
        return attrs

    @staticmethod
    def applicant(data: dict[str, Any]) -> services.ApplicantData:
        """The applicant of validated data: when filing for someone else, the person
        represented, in whose name the dossier is."""
        on_behalf = bool(data.get("representation"))
        prefix = "represented" if on_behalf else "applicant"
        return services.ApplicantData(
            name=data.get(f"{prefix}_name", ""),
            id_number=data.get(f"{prefix}_id_number", ""),
            phone=data.get("applicant_phone", ""),
            email=data.get("applicant_email", ""),
            address=data.get("applicant_address", ""),
        )

    @staticmethod
    def representation_data(data: dict[str, Any]) -> services.RepresentationData | None:
        if not data.get("representation"):
            return None
        return services.RepresentationData(
            relationship=data["representation"], authorisation=data.get("authorisation")
        )


class DeskSubmitSerializer(SubmitSerializer):
    """A desk officer records a dossier handed in at the desk or by post."""

    # Typed in by the officer from the papers handed in; representation is online only.
    applicant_name = TextField(max_length=200)
    applicant_id_number = IdNumberField()
    representation = None
    represented_name = None
    represented_id_number = None
    authorisation = None

    channel = DeskChannelField(choices=DESK_CHANNELS, default=Channel.DESK)
    handed_over_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="Qua bưu chính: thời điểm ký biên bản bàn giao (thời điểm nộp hợp lệ).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        handed_over_at = attrs.get("handed_over_at")
        if handed_over_at is not None:
            if attrs["channel"] != Channel.POST:
                raise serializers.ValidationError(
                    {"handed_over_at": ["Chỉ dùng với hồ sơ nộp qua bưu chính."]}
                )
            if handed_over_at > timezone.now():
                raise serializers.ValidationError(
                    {"handed_over_at": ["Thời điểm bàn giao không thể ở tương lai."]}
                )
        return attrs


class ComponentFilesSchema(serializers.Serializer):
    """Schema only: the component files as two parallel lists, which Swagger UI's form can
    fill (it cannot add the free-named `component_<id>` parts)."""

    component_files = serializers.ListField(
        child=UploadField(),
        required=False,
        help_text="Tệp của các thành phần hồ sơ; mã thành phần của từng tệp trong `component_ids`.",
    )
    component_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text=(
            "Mã thành phần (`components[].id` trong chi tiết thủ tục) của từng tệp trong "
            "`component_files`, cùng thứ tự."
        ),
    )


class SubmitFilesSerializer(ComponentFilesSchema, SubmitSerializer):
    """Schema only: the multipart body, with the free-form file fields described."""

    files = serializers.ListField(
        child=UploadField(),
        required=False,
        help_text=(
            "Tệp không gắn với thành phần nào. Tệp của từng thành phần gửi trong trường "
            "`component_<id thành phần>` (một hoặc nhiều tệp)."
        ),
    )


class DeskSubmitFilesSerializer(ComponentFilesSchema, DeskSubmitSerializer):
    """Schema only, like SubmitFilesSerializer."""

    files = serializers.ListField(
        child=UploadField(),
        required=False,
        help_text="Như khi nộp trực tuyến: `files` và `component_<id thành phần>`.",
    )


# --- representations ------------------------------------------------------------------


class ProcedureRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Procedure
        fields = ["code", "name"]


class UserRefSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["username", "full_name"]


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")

    class Meta:
        model = Attachment
        fields = ["name", "size", "sha256", "kind", "content_type", "component", "uploaded_at"]


class LegSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer()
    assignee = UserRefSerializer(allow_null=True)

    class Meta:
        model = ProcessingLeg
        fields = [
            "seq",
            "agency",
            "assignee",
            "budget_minutes",
            "started_at",
            "due_at",
            "finished_at",
            "note",
        ]


class StepRowSerializer(serializers.Serializer):
    """A step of the dossier's internal process as it runs (id: for the step actions)."""

    id = serializers.IntegerField()
    order = serializers.IntegerField()
    round = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    role = serializers.CharField()
    agency = AgencyRefSerializer()
    assignee = UserRefSerializer(allow_null=True)
    requested_by = serializers.IntegerField(allow_null=True)
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    is_overdue = serializers.BooleanField()


def _step_rows(
    dossier: Dossier, tz: tzinfo, steps: Sequence[DossierStep] | None = None
) -> list[dict[str, Any]]:
    if steps is None:
        steps = selectors.steps_of(dossier)
    return [
        {
            "id": s.pk,
            "order": s.order,
            "round": s.round,
            "name": s.name,
            "kind": s.kind,
            "role": s.role,
            "agency": _agency(s.agency),
            "assignee": _user(s.assignee),
            "requested_by": s.requested_by_id,
            "started_at": _iso(s.started_at, tz),
            "due_at": _iso(s.due_at, tz),
            "finished_at": _iso(s.finished_at, tz),
            "outcome": s.outcome,
            "is_overdue": s.is_overdue,
        }
        for s in steps
    ]


class _StatusFields(serializers.ModelSerializer):
    """Where a dossier stands: the fields every representation of it shares."""

    procedure = ProcedureRefSerializer()
    agency = AgencyRefSerializer()
    status = StatusField(choices=Status.choices)
    national_status = serializers.IntegerField(read_only=True, min_value=1, max_value=10)
    national_status_name = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)


class DossierSummarySerializer(_StatusFields):
    """No personal data: listing a queue does not need an audit entry per row."""

    channel = ChannelField(choices=Channel.choices)
    status_name = serializers.CharField(source="status_label", read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "agency",
            "channel",
            "status",
            "status_name",
            "national_status",
            "national_status_name",
            "subject",
            "submitted_at",
            "due_at",
            "is_overdue",
        ]


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DossierDetailSerializer(DossierSummarySerializer):
    current_agency = AgencyRefSerializer()
    current_assignee = UserRefSerializer(allow_null=True)
    return_method = serializers.SerializerMethodField()
    return_channel = ReturnMethodField(choices=ReturnMethod.choices)
    return_unit = UnitRefSerializer(allow_null=True)
    attachments = AttachmentSerializer(many=True)
    legs = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(DossierSummarySerializer.Meta):
        fields = [
            *DossierSummarySerializer.Meta.fields,
            *PERSONAL_FIELDS,
            "current_agency",
            "current_assignee",
            "intake_due_at",
            "received_at",
            "original_due_at",
            "apologised_at",
            "supplement_count",
            "intake_supplement_count",
            "appraisal_supplement_count",
            "finished_at",
            "returned_at",
            "result_code",
            "return_channel",
            "return_unit",
            "return_method",
            "attachments",
            "legs",
            "steps",
            "allowed_actions",
        ]

    @extend_schema_field(ReturnMethodField(choices=ReturnMethod.choices, allow_null=True))
    def get_return_method(self, dossier: Dossier) -> str | None:
        return dossier.return_method or None  # null until the result is returned

    @extend_schema_field(LegSerializer(many=True))
    def get_legs(self, dossier: Dossier) -> list[dict[str, Any]]:
        legs = dossier.legs.select_related("agency", "assignee").order_by("seq")
        return LegSerializer(legs, many=True).data

    @extend_schema_field(StepRowSerializer(many=True))
    def get_steps(self, dossier: Dossier) -> list[dict[str, Any]]:
        return _step_rows(dossier, timezone.get_current_timezone())

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTION_NAMES)))
    def get_allowed_actions(self, dossier: Dossier) -> list[str]:
        """What the caller may do now: their role allows it (policy) and the dossier's
        state allows it (the lifecycle graph), so a client shows only useful buttons."""
        return policy.available_actions(self.context["request"].user, dossier)


class EventSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(allow_null=True)
    data = serializers.JSONField()

    class Meta:
        model = Event
        fields = [
            "action",
            "from_status",
            "to_status",
            "national_status",
            "actor_name",
            "agency",
            "at",
            "note",
            "data",
        ]


# Result signatures: motcua.signing sits above dossiers and registers here (in its
# AppConfig.ready) the function that verifies a dossier's newest signed result; without
# it, status answers carry no signature (null).
RESULT_SIGNATURE: list[Any] = []


def result_signature_of(dossier: Dossier) -> dict[str, Any] | None:
    for provider in RESULT_SIGNATURE:
        return provider(dossier)
    return None


class ResultSignatureSerializer(serializers.Serializer):
    signed = serializers.BooleanField()
    valid = serializers.BooleanField(help_text="Chữ ký số kiểm tra hợp lệ (tệp không bị sửa).")
    signer = serializers.CharField(help_text="Người ký hoặc cơ quan đóng dấu điện tử.")
    signed_at = serializers.DateTimeField(allow_null=True)
    label = serializers.CharField(help_text="“Đã ký số bởi …, lúc …, chữ ký hợp lệ”.")


class PublicStatusSerializer(_StatusFields):
    """What anyone holding the code and the applicant's ID number may see: no personal
    data, no files, no history (the portal's lookup page shows the same)."""

    result_signature = serializers.SerializerMethodField()

    @extend_schema_field(ResultSignatureSerializer(allow_null=True))
    def get_result_signature(self, dossier: Dossier) -> dict[str, Any] | None:
        return result_signature_of(dossier)

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "agency",
            "status",
            "national_status",
            "national_status_name",
            "submitted_at",
            "received_at",
            "due_at",
            "returned_at",
            "is_overdue",
            "result_signature",
        ]


class AccessSerializer(serializers.Serializer):
    """A line of "who opened my dossier" (selectors.accesses_of): one day, role, agency
    and kind of view, with how many times and the latest."""

    at = serializers.DateTimeField(help_text="Lần xem gần nhất trong ngày.")
    times = serializers.IntegerField(min_value=1)
    role = serializers.CharField(help_text="Vai trò: Cán bộ một cửa, Chuyên viên, ...")
    agency = serializers.CharField(help_text="Tên cơ quan; rỗng với quản trị hệ thống.")
    via = serializers.CharField(help_text="Đã xem gì: trang hồ sơ, danh sách, PDF, ...")


class LookupSerializer(serializers.Serializer):
    code = TextField(max_length=64, help_text="Mã hồ sơ, in trên giấy tiếp nhận.")
    # Normalised as stored; any shape is looked up (the answer is then "not found").
    id_number = IdNumberField(
        shape=False, max_length=20, help_text="Số định danh cá nhân của người nộp hồ sơ."
    )


# --- hand-built representations -------------------------------------------------------
# The serializers above describe the documents (OpenAPI schema, tests); the read paths
# that run most often build the same dictionaries directly: DRF's per-request field
# construction and per-field dispatch were ~40 % of a dossier lookup. A test checks that
# each function returns exactly what its serializer returns.


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    """DRF's DateTimeField output: ISO 8601 in the current time zone, UTC as Z."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _agency(agency: Agency | None) -> dict[str, str] | None:
    return None if agency is None else {"identifier": agency.identifier, "name": agency.name}


def _unit(unit: AdministrativeUnit | None) -> dict[str, str] | None:
    return None if unit is None else {"code": unit.code, "name": unit.name}


def _user(user: User | None) -> dict[str, str] | None:
    return None if user is None else {"username": user.username, "full_name": user.get_full_name()}


def public_status_data(dossier: Dossier) -> dict[str, Any]:
    """PublicStatusSerializer(dossier).data."""
    tz = timezone.get_current_timezone()
    procedure = dossier.procedure
    return {
        "code": dossier.code,
        "procedure": {"code": procedure.code, "name": procedure.name},
        "agency": _agency(dossier.agency),
        "status": dossier.status,
        "national_status": dossier.national_status,
        "national_status_name": str(dossier.national_status_name),
        "submitted_at": _iso(dossier.submitted_at, tz),
        "received_at": _iso(dossier.received_at, tz),
        "due_at": _iso(dossier.due_at, tz),
        "returned_at": _iso(dossier.returned_at, tz),
        "is_overdue": dossier.is_overdue,
        "result_signature": result_signature_of(dossier),
    }


def detail_data(
    dossier: Dossier,
    user: User | AnonymousUser | None,
    *,
    attachments: Sequence[Attachment] | None = None,
    legs: Sequence[ProcessingLeg] | None = None,
    steps: Sequence[DossierStep] | None = None,
) -> dict[str, Any]:
    """DossierDetailSerializer(dossier, context={"request": <user's request>}).data.

    `attachments`, `legs` and `steps`, when the caller already holds them (a dossier it
    has just created), save their queries; by default they are read."""
    tz = timezone.get_current_timezone()
    procedure = dossier.procedure
    if attachments is None:
        attachments = selectors.attachments_of(dossier)
    if legs is None:
        legs = selectors.legs_of(dossier)
    if steps is None:
        steps = selectors.steps_of(dossier)
    attachment_data = [
        {
            "name": a.original_name,
            "size": a.size,
            "sha256": a.sha256,
            "kind": a.kind,
            "content_type": a.content_type,
            "component": a.component_id,
            "uploaded_at": _iso(a.uploaded_at, tz),
        }
        for a in attachments
    ]
    leg_data = [
        {
            "seq": leg.seq,
            "agency": _agency(leg.agency),
            "assignee": _user(leg.assignee),
            "budget_minutes": leg.budget_minutes,
            "started_at": _iso(leg.started_at, tz),
            "due_at": _iso(leg.due_at, tz),
            "finished_at": _iso(leg.finished_at, tz),
            "note": leg.note,
        }
        for leg in legs
    ]
    return {
        "code": dossier.code,
        "procedure": {"code": procedure.code, "name": procedure.name},
        "agency": _agency(dossier.agency),
        "channel": dossier.channel,
        "status": dossier.status,
        "status_name": str(dossier.status_label),
        "national_status": dossier.national_status,
        "national_status_name": str(dossier.national_status_name),
        "subject": dossier.subject,
        "submitted_at": _iso(dossier.submitted_at, tz),
        "due_at": _iso(dossier.due_at, tz),
        "is_overdue": dossier.is_overdue,
        **{name: getattr(dossier, name) for name in PERSONAL_FIELDS},
        "current_agency": _agency(dossier.current_agency),
        "current_assignee": _user(dossier.current_assignee),
        "intake_due_at": _iso(dossier.intake_due_at, tz),
        "received_at": _iso(dossier.received_at, tz),
        "original_due_at": _iso(dossier.original_due_at, tz),
        "apologised_at": _iso(dossier.apologised_at, tz),
        "supplement_count": dossier.supplement_count,
        "intake_supplement_count": dossier.intake_supplement_count,
        "appraisal_supplement_count": dossier.appraisal_supplement_count,
        "finished_at": _iso(dossier.finished_at, tz),
        "returned_at": _iso(dossier.returned_at, tz),
        "result_code": dossier.result_code,
        "return_channel": dossier.return_channel,
        "return_unit": _unit(dossier.return_unit),
        "return_method": dossier.return_method or None,
        "attachments": attachment_data,
        "legs": leg_data,
        "steps": _step_rows(dossier, tz, steps),
        "allowed_actions": policy.available_actions(
            user, dossier, open_steps=[s for s in steps if s.finished_at is None]
        ),
    }


class DossierQuerySerializer(serializers.Serializer):
    status = StatusField(choices=Status.choices, required=False)


# --- actions --------------------------------------------------------------------------


def _note() -> serializers.CharField:
    return TextField(multiline=True, max_length=2000, allow_blank=True, default="")


def _reason() -> serializers.CharField:
    # Invisible-only reasons are blank once normalised, and refused as such.
    return TextField(multiline=True, max_length=2000, help_text="Lý do (ít nhất 5 ký tự).")


class NoteSerializer(serializers.Serializer):
    note = _note()


class ReasonSerializer(serializers.Serializer):
    reason = _reason()


class MissingItemSerializer(serializers.Serializer):
    item = TextField(max_length=500, help_text="Giấy tờ cần bổ sung, hoàn thiện.")
    reason = TextField(
        multiline=True, max_length=1000, help_text="Lý do phải bổ sung (ít nhất 5 ký tự)."
    )


class RequestSupplementSerializer(serializers.Serializer):
    missing = serializers.ListField(
        child=MissingItemSerializer(),
        allow_empty=False,
        max_length=100,
        help_text=(
            "Toàn bộ giấy tờ còn thiếu, mỗi giấy tờ với lý do (mẫu 02). Một lần khi tiếp "
            "nhận và một lần khi thẩm định."
        ),
    )
    note = _note()


def missing_items(data: dict[str, Any]) -> list[services.MissingItem]:
    return [services.MissingItem(m["item"], m["reason"]) for m in data["missing"]]


class ChangeReturnChannelSerializer(ReturnChoiceFields):
    return_channel = ReturnMethodField(
        choices=ReturnMethod.choices, help_text="Hình thức nhận kết quả mới."
    )
    note = _note()


class EmptySerializer(serializers.Serializer):
    """An action without parameters."""


class SupplementFilesSerializer(ComponentFilesSchema):
    """Schema only: the files arrive as multipart fields, read by uploads_from."""

    files = serializers.ListField(
        child=UploadField(),
        required=False,
        help_text="Giấy tờ bổ sung; tệp của một thành phần gửi trong `component_<id>`.",
    )


class FinishFilesSerializer(NoteSerializer):
    """Schema only: the note and the result files (multipart `files`)."""

    files = serializers.ListField(
        child=UploadField(), required=False, help_text="Bản điện tử của kết quả."
    )


def _by_slug(name: str, queryset: QuerySet, slug_field: str) -> Prepared:
    return Prepared(
        name, lambda value: queryset.filter(**{slug_field: value}).order_by()[:1], value=str
    )


class PreparedSlugField(serializers.SlugRelatedField):
    """SlugRelatedField whose row is read by a prepared query (core.prepared) of its
    queryset filtered by the slug (`_by_slug`): the same row, without compiling the lookup
    on every request."""

    def __init__(self, prepared: Prepared, **kwargs: Any) -> None:
        self.prepared = prepared
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        # str(): what the slug column's to_python makes of any value that SlugRelatedField's
        # .get(slug=data) would be given.
        row = self.prepared.first(value=str(data))
        if row is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        return row


ACTIVE_AGENCIES = Agency.objects.filter(is_active=True)
# With the officer record: the service checks the officer's agency without a query.
ASSIGNABLE_USERS = User.objects.filter(is_active=True, officer__isnull=False).select_related(
    "officer"
)
AGENCY_BY_IDENTIFIER = _by_slug("dossiers.agency_by_identifier", ACTIVE_AGENCIES, "identifier")
OFFICER_BY_USERNAME = _by_slug("dossiers.officer_by_username", ASSIGNABLE_USERS, "username")


def _active_agency() -> PreparedSlugField:
    return PreparedSlugField(
        AGENCY_BY_IDENTIFIER,
        slug_field="identifier",
        queryset=ACTIVE_AGENCIES,
        error_messages={"does_not_exist": "Không tìm thấy cơ quan có mã định danh “{value}”."},
    )


class AssignSerializer(serializers.Serializer):
    to_agency = _active_agency()
    to_user = PreparedSlugField(
        OFFICER_BY_USERNAME,
        slug_field="username",
        queryset=ASSIGNABLE_USERS,
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "Không tìm thấy cán bộ “{value}”."},
    )
    budget_days = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Số ngày làm việc dành cho bước này; mặc định: toàn bộ thời gian còn lại.",
    )
    note = _note()


class RequestPaymentSerializer(serializers.Serializer):
    amount_vnd = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Không bắt buộc. Số tiền do các khoản phí, lệ phí của thủ tục quyết định; "
        "nếu gửi, phải đúng số đó (khác: 409).",
    )
    note = _note()


CounterPaymentMethodField = enum_field(
    "CounterPaymentMethod", [("cash", "Tiền mặt tại quầy"), ("card", "Thẻ tại quầy")]
)


class CounterPaymentSerializer(serializers.Serializer):
    method = CounterPaymentMethodField(choices=[("cash", "Tiền mặt"), ("card", "Thẻ")])
    receipt_number = TextField(max_length=60, help_text="Số biên lai thu phí, lệ phí.")
    note = _note()


RecipientField = enum_field("ResultRecipient", services.Recipient.CHOICES)


class ReturnResultSerializer(serializers.Serializer):
    method = ReturnMethodField(
        choices=ReturnMethod.choices,
        required=False,
        help_text="Mặc định: hình thức người nộp đã đăng ký; hình thức khác bị từ chối (409).",
    )
    recipient = RecipientField(
        choices=services.Recipient.CHOICES,
        default=services.Recipient.APPLICANT,
        help_text="Trả tại một cửa: ai nhận kết quả.",
    )
    recipient_name = TextField(max_length=200, required=False, allow_blank=True)
    recipient_id_number = IdNumberField(required=False, allow_blank=True)
    recipient_note = TextField(
        multiline=True,
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Người được ủy quyền: giấy ủy quyền (số, ngày) hoặc quan hệ với người nộp.",
    )
    note = _note()


def recipient_data(data: dict[str, Any]) -> services.RecipientData:
    return services.RecipientData(
        kind=data["recipient"],
        name=data.get("recipient_name", ""),
        id_number=data.get("recipient_id_number", ""),
        note=data.get("recipient_note", ""),
    )


class ApologiseSerializer(serializers.Serializer):
    new_due_at = AwareDateTimeField(help_text="Ngày hẹn mới, ISO 8601 có múi giờ.")
    reason = _reason()


# --- steps of the internal process -------------------------------------------------------


def _step_id() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="Mã bước đang mở (steps[].id trong chi tiết hồ sơ).",
    )


class StepSerializer(serializers.Serializer):
    step = _step_id()
    note = _note()


class CompleteStepFilesSerializer(StepSerializer):
    """Schema only: the step, the note (an opinion's text) and files (multipart `files`:
    the draft result PDF at the draft step, documents of an opinion)."""

    files = serializers.ListField(child=UploadField(), required=False)


class SendBackSerializer(serializers.Serializer):
    step = _step_id()
    to_order = serializers.IntegerField(
        min_value=1, max_value=32767, help_text="Thứ tự của bước trước đó được trả lại."
    )
    reason = _reason()


class RequestOpinionSerializer(serializers.Serializer):
    step = _step_id()
    to_agency = _active_agency()
    budget_hours = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.25"),
        help_text="Thời hạn cho ý kiến, giờ làm việc (trong hạn của bước đang xử lý).",
    )
    question = _reason()
