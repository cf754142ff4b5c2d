"""Ratings and feedback, for administrators: what citizens said, which dossier it is about;
records whose dossier is not known (yet) are listed with "Chưa gắn hồ sơ"."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from motcua.feedback.models import RATING_CRITERIA, Feedback, HandlingLimit, Kiosk, Rating


class AttachedFilter(admin.SimpleListFilter):
    title = "gắn với hồ sơ"
    parameter_name = "attached"

    def lookups(self, request, model_admin):
        return [("1", "Đã gắn hồ sơ"), ("0", "Chưa gắn hồ sơ")]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(dossier__isnull=self.value() == "0")
        return queryset


def _raw(obj) -> str:
    return format_html("<pre>{}</pre>", json.dumps(obj.raw, ensure_ascii=False, indent=2))


class _ReadOnly(admin.ModelAdmin):
    """Imported records are kept as received: nothing is added or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(_ReadOnly):
    list_display = [
        "external_id",
        "dossier_link",
        "source",
        "overall",
        "comment",
        "received_at",
    ]
    list_filter = [AttachedFilter, "source", "overall"]
    search_fields = ["external_id", "dossier_code", "dossier__code", "comment"]
    list_select_related = ["dossier"]
    date_hierarchy = "received_at"
    fields = [
        "external_id",
        "source",
        "dossier",
        "dossier_code",
        "overall",
        "criteria",
        "comment",
        "received_at",
        "imported_at",
        "raw_record",
    ]
    readonly_fields = fields

    @admin.display(description="hồ sơ", ordering="dossier__code")
    def dossier_link(self, obj):
        return obj.dossier.code if obj.dossier else f"Chưa gắn hồ sơ ({obj.dossier_code or '—'})"

    @admin.display(description="điểm theo tiêu chí")
    def criteria(self, obj):
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td></tr>",
                ((RATING_CRITERIA.get(k, f"Tiêu chí {k}"), v) for k, v in obj.scores.items()),
            ),
        )

    @admin.display(description="bản ghi gốc")
    def raw_record(self, obj):
        return _raw(obj)


@admin.register(Feedback)
class FeedbackAdmin(_ReadOnly):
    list_display = [
        "external_id",
        "kind",
        "dossier_link",
        "source",
        "submitter_name",
        "short_content",
        "received_at",
        "status",
    ]
    list_filter = ["status", AttachedFilter, "kind", "source"]
    search_fields = ["external_id", "dossier_code", "dossier__code", "content", "submitter_name"]
    list_select_related = ["dossier"]
    date_hierarchy = "received_at"
    fields = [
        "external_id",
        "source",
        "kind",
        "dossier",
        "dossier_code",
        "submitter_name",
        "submitter_contact",
        "content",
        "received_at",
        "imported_at",
        "status",
        "agency",
        "assignee",
        "due_at",
        "answered_at",
        "answered_by",
        "on_time",
        "answer",
        "consent_publish",
        "published_at",
        "raw_record",
    ]
    readonly_fields = fields

    @admin.display(description="hồ sơ", ordering="dossier__code")
    def dossier_link(self, obj):
        return obj.dossier.code if obj.dossier else f"Chưa gắn hồ sơ ({obj.dossier_code or '—'})"

    @admin.display(description="nội dung")
    def short_content(self, obj):
        return obj.content if len(obj.content) <= 80 else obj.content[:79] + "…"

    @admin.display(description="bản ghi gốc")
    def raw_record(self, obj):
        return _raw(obj)


@admin.register(HandlingLimit)
class HandlingLimitAdmin(admin.ModelAdmin):
    """The time to answer each kind, in working days: an administrator edits it when the
    rule changes (new items take the new limit; items received earlier keep theirs)."""

    list_display = ["kind", "working_days", "legal_source"]

    def has_add_permission(self, request):
        return HandlingLimit.objects.count() < len(Feedback.Kind.values)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Kiosk)
class KioskAdmin(_ReadOnly):
    list_display = ["pk", "agency", "opened_by", "opened_at", "expires_at", "closed_at"]
    list_select_related = ["agency", "opened_by"]
    exclude = ["token_hash"]
