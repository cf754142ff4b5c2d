"""Catalogue representations for the REST API (read-only)."""

from __future__ import annotations

from collections.abc import Sequence

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from motcua.catalog.models import Agency, Component, Field, Procedure


def enum_field(
    component: str, choices: Sequence[tuple[str, str]], *, blank: bool = False
) -> type[serializers.ChoiceField]:
    """A ChoiceField whose enum is its own named schema component.

    drf-spectacular names enums after the field, so `level` of agencies and of procedures
    would collide (a warning, and names like LevelF14Enum that clients would code against).
    """
    values = [value for value, _ in choices] + ([""] if blank else [])
    description = "\n".join(f"* `{value}` - {label}" for value, label in choices)
    cls = type(f"{component}Field", (serializers.ChoiceField,), {})
    schema = {"type": "string", "enum": values, "description": description}
    return extend_schema_field(schema, component_name=component)(cls)


AgencyLevelField = enum_field("AgencyLevel", Agency.Level.choices)
ProcedureLevelField = enum_field("ProcedureLevel", Procedure.Level.choices)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem document, as written by motcua.core.problems (schema only)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Lỗi theo từng trường dữ liệu.")


# (status, media type) keys let drf-spectacular document application/problem+json.
def problem_responses(*statuses: int) -> dict[tuple[int, str], type[ProblemSerializer]]:
    return {(s, "application/problem+json"): ProblemSerializer for s in statuses}


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["identifier", "name"]


class AgencySerializer(serializers.ModelSerializer):
    level = AgencyLevelField(choices=Agency.Level.choices)

    class Meta:
        model = Agency
        fields = ["identifier", "name", "level"]


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["code", "name"]


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = ["id", "name", "copies", "required"]


class ProcedureSummarySerializer(serializers.ModelSerializer):
    field = FieldSerializer()
    agency = AgencyRefSerializer(allow_null=True)
    level = ProcedureLevelField(choices=Procedure.Level.choices)

    class Meta:
        model = Procedure
        fields = [
            "code",
            "name",
            "field",
            "level",
            "online_level",
            "processing_days",
            "total_fee_vnd",
            "agency",
        ]

    # total_fee_vnd is a property: declare its type for the schema.
    total_fee_vnd = serializers.IntegerField(read_only=True)


class ProcedureDetailSerializer(ProcedureSummarySerializer):
    components = ComponentSerializer(many=True)

    class Meta(ProcedureSummarySerializer.Meta):
        fields = [
            *ProcedureSummarySerializer.Meta.fields,
            "fee_vnd",
            "charge_vnd",
            "fee_note",
            "result_type",
            "legal_basis",
            "is_active",
            "components",
        ]


class ProcedureQuerySerializer(serializers.Serializer):
    """Query string of the catalogue search."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Từ khóa, có dấu hoặc không."
    )
    level = ProcedureLevelField(choices=Procedure.Level.choices, required=False)
    field = serializers.SlugField(required=False, help_text="Mã lĩnh vực.")
    agency = serializers.CharField(
        required=False, max_length=35, help_text="Mã định danh cơ quan thực hiện."
    )


class AgencyQuerySerializer(serializers.Serializer):
    level = AgencyLevelField(choices=Agency.Level.choices, required=False)
