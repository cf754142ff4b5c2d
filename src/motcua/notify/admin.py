"""Administrators edit the notice templates (in Vietnamese; the SMS variant and its segment
count are shown as a preview) and read what was sent and what the providers reported."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from motcua.core.problems import DomainError
from motcua.notify import services, templating
from motcua.notify.models import ChannelKind, Notice, Receipt, Template

SAMPLE = {
    "ma_ho_so": "H37.01-251201-0001",
    "nguoi_nop": "Nguyễn Văn An",
    "thu_tuc": "Cấp giấy phép xây dựng đối với nhà ở riêng lẻ",
    "co_quan": "Sở Xây dựng tỉnh Ninh Bình",
    "ngay_hen": "16:30 15/12/2025",
    "ngay_hen_moi": "16:30 22/12/2025",
    "ly_do": "Thiếu bản vẽ mặt bằng",
    "so_tien": "150.000 đồng",
    "giay_to": "Bản vẽ thiết kế",
    "ma_ket_qua": "H37.01-251201-0001-KQ1",
    "tra_cuu": "https://dichvucong.ninhbinh.gov.vn/tra-cuu/",
    "can_bo": "Trần Văn Bình",
    "so_buoc": "2",
    "danh_sach": "- H37.01-251201-0001: Thẩm định hồ sơ (hạn 16:30 10/12/2025)",
    "ngay": "11/12/2025",
}


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "subject", "active", "updated_at"]
    list_filter = ["channel", "kind", "active"]
    search_fields = ["subject", "body"]
    readonly_fields = ["placeholders", "preview"]
    fields = ["kind", "channel", "active", "subject", "body", "placeholders", "preview"]

    def get_readonly_fields(self, request, obj=None):
        # Kind and channel identify the template: fixed once it exists.
        fixed = ["kind", "channel"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    @admin.display(description="trường dùng được")
    def placeholders(self, obj):
        kind = obj.kind if obj and obj.pk else ""
        return format_html_join(", ", "<code>{{{}}}</code> {}", templating.allowed(kind).items())

    @admin.display(description="xem trước (dữ liệu mẫu)")
    def preview(self, obj):
        if obj is None or not obj.pk:
            return "Lưu mẫu để xem trước."
        subject, body, parts = services.compose(obj, SAMPLE)
        if obj.channel == ChannelKind.SMS:
            return format_html(
                '<pre class="notice-preview">{}</pre><p>{} ký tự, {} phần tin nhắn{}</p>',
                body,
                len(body),
                parts,
                "" if parts == 1 else " (vượt 1 tin: nên rút gọn)",
            )
        return format_html(
            '<p><strong>{}</strong></p><pre class="notice-preview">{}</pre>', subject, body
        )


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "dossier_code", "status"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["dossier_code", "recipient", "provider_message_id", "key"]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Gửi lại thông báo không gửi được")
    def resend(self, request, queryset):
        sent = 0
        for notice in queryset.order_by("pk"):
            try:
                services.resend(notice.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"Đã xếp {sent} thông báo vào hàng đợi gửi lại.")


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["received_at", "provider", "receipt_id", "status", "notice"]
    list_filter = ["provider", "status"]
    search_fields = ["receipt_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
