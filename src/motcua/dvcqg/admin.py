"""The quarantine of portal records, for administrators: see why a record was not taken,
fix the mapping (a procedure's national code, an agency's identifier), then retry it, or
mark it resolved."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from motcua.dvcqg import intake
from motcua.dvcqg.client import DvcqgError, NotConfigured
from motcua.dvcqg.models import (
    FeedCursor,
    QuarantinedRecord,
    ReconciliationRow,
    ReconciliationRun,
)


class OpenFilter(admin.SimpleListFilter):
    title = "tình trạng"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("1", "Chờ xử lý"), ("0", "Đã xử lý")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(admin.ModelAdmin):
    list_display = [
        "national_id",
        "procedure_code",
        "unit_code",
        "reason_code",
        "count",
        "first_seen",
        "last_seen",
        "resolved_at",
        "dossier",
    ]
    list_filter = [OpenFilter, "reason_code", "source"]
    search_fields = ["national_id", "procedure_code", "unit_code"]
    actions = ["retry_records", "resolve_records"]
    readonly_fields = [f.name for f in QuarantinedRecord._meta.fields if f.name != "raw"] + [
        "raw_record"
    ]
    exclude = ["raw"]

    def has_add_permission(self, request):
        return False  # records come from the portal only

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is dropped: resolve instead

    @admin.display(description="bản ghi gốc")
    def raw_record(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.raw, ensure_ascii=False, indent=2)[:20000]
        )

    @admin.action(description="Thử tiếp nhận lại (sau khi đã sửa ánh xạ)", permissions=["change"])
    def retry_records(self, request, queryset):
        taken, still = 0, 0
        for row in queryset.filter(resolved_at__isnull=True):
            try:
                outcome = intake.retry(row, request.user)
            except (intake.PortalUnavailable, NotConfigured, DvcqgError) as exc:
                self.message_user(request, f"Không liên lạc được với Cổng: {exc}", messages.ERROR)
                return
            if outcome.dossier is not None:
                taken += 1
            else:
                still += 1
                self.message_user(request, f"{row}: {outcome.detail}", messages.WARNING)
        self.message_user(request, f"Đã tiếp nhận {taken} hồ sơ; {still} vẫn chờ xử lý.")

    @admin.action(description="Đánh dấu đã xử lý (báo Cổng đã nhận)", permissions=["change"])
    def resolve_records(self, request, queryset):
        count = 0
        for row in queryset.filter(resolved_at__isnull=True):
            try:
                intake.resolve(row, request.user)
            except (intake.PortalUnavailable, NotConfigured, DvcqgError) as exc:
                self.message_user(request, f"Không liên lạc được với Cổng: {exc}", messages.ERROR)
                return
            count += 1
        self.message_user(request, f"Đã đánh dấu {count} bản ghi là đã xử lý.")


@admin.register(FeedCursor)
class FeedCursorAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "updated_at"]
    readonly_fields = ["name", "updated_at"]


class ReconciliationRowInline(admin.TabularInline):
    model = ReconciliationRow
    fields = ["day", "code", "dossier", "kind", "outcome", "fields", "local", "national"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        # A run with thousands of differences shows its first ones here; the full list is
        # under "hồ sơ lệch khi đối soát", filtered by run.
        return super().get_queryset(request).select_related("dossier")


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "period_start",
        "period_end",
        "status",
        "dossiers_local",
        "dossiers_national",
        "days_differing",
        "differing",
        "requeued",
        "seconds",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ReconciliationRun._meta.fields]
    inlines = [ReconciliationRowInline]

    def has_add_permission(self, request):
        return False  # runs come from the schedule or `motcua dvcqg reconcile`

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the report is evidence of what the portal showed


@admin.register(ReconciliationRow)
class ReconciliationRowAdmin(admin.ModelAdmin):
    list_display = ["code", "day", "kind", "outcome", "differing_fields", "run", "message_key"]
    list_filter = ["kind", "outcome", "run"]
    search_fields = ["code"]
    readonly_fields = [f.name for f in ReconciliationRow._meta.fields]
    list_select_related = ["run"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="trường khác nhau")
    def differing_fields(self, obj):
        return ", ".join(obj.fields)
