from django.contrib import admin, messages

from motcua.core.models import AuditEntry, CalendarDay, CalendarYear, OutboxMessage
from motcua.core.problems import InvalidInput
from motcua.core.services import check_calendar, confirm_year, retry_messages


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Confirming a year is an action (who and when are recorded, and audited), never a
    field typed by hand."""

    list_display = ["year", "confirmed_at", "confirmed_by", "source", "differences"]
    readonly_fields = ["confirmed_by", "confirmed_at"]
    fields = ["year", "source", "confirmed_by", "confirmed_at"]
    actions = ["confirm"]

    @admin.display(description="khác biệt so với căn cứ")
    def differences(self, obj: CalendarYear) -> str:
        check = check_calendar([obj.year])[0]
        n = len(check.missing) + len(check.different) + len(check.extra)
        return f"{n} ngày" if n else "—"

    @admin.action(description="Xác nhận lịch nghỉ của các năm đã chọn")
    def confirm(self, request, queryset):
        for row in queryset:
            try:
                confirm_year(row.year, request.user, row.source)
            except InvalidInput as exc:
                self.message_user(request, f"{row.year}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"Đã xác nhận lịch năm {row.year}.", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the chain is append-only."""

    list_display = ["id", "at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Dead messages (status failed) block the messages behind them on their ordering key
    until an administrator sends them again."""

    list_display = ["id", "topic", "key", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "topic"]
    search_fields = ["key", "ordering_key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]

    @admin.action(description="Gửi lại")
    def retry(self, request, queryset):
        n = retry_messages(queryset.values_list("pk", flat=True), request.user)
        if n:
            self.message_user(request, f"Đã đưa {n} thông điệp lỗi về hàng chờ gửi lại.")
        else:
            self.message_user(
                request, "Không có thông điệp lỗi nào trong số đã chọn.", messages.WARNING
            )

    def has_add_permission(self, request):
        return False
