"""Fee rows (editable data), and read-only views of payments, notifications and the
reconciliation list; a mismatch is settled with an action that asks how (audited)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from motcua.payments import services
from motcua.payments.models import FeeItem, Payment, PaymentNotification, ReconciliationItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeeItem)
class FeeItemAdmin(admin.ModelAdmin):
    list_display = ["procedure", "name", "kind", "amount_vnd", "condition", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["procedure__code", "procedure__name", "name"]
    autocomplete_fields = ["procedure"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_id", "dossier", "amount_vnd", "method", "status", "receipt_number", "paid_at",
    ]  # fmt: skip
    list_filter = ["status", "method", "platform"]
    search_fields = ["order_id", "dossier__code", "transaction_id", "receipt_number"]
    date_hierarchy = "created_at"
    list_select_related = ["dossier"]


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "order_id", "outcome", "source", "times", "remote_addr"]
    list_filter = ["outcome", "source"]
    search_fields = ["order_id"]
    date_hierarchy = "received_at"


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="Cách đã xử lý (hoàn tiền, thu bổ sung, điều chỉnh...)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(ReadOnlyAdmin):
    list_display = [
        "found_at", "kind", "order_id", "payment", "expected_vnd", "reported_vnd", "resolved_at",
    ]  # fmt: skip
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "day"]
    search_fields = ["order_id", "payment__dossier__code", "detail"]
    actions = ["resolve_items"]

    def has_change_permission(self, request, obj=None):
        # The action below needs the change permission; the fields stay read-only.
        return request.user.has_perm("payments.change_reconciliationitem")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="Đánh dấu đã xử lý chênh lệch", permissions=["change"])
    def resolve_items(self, request, queryset):
        if "apply" in request.POST:
            form = ResolveForm(request.POST)
            if form.is_valid():
                count = 0
                for item in queryset.filter(resolved_at__isnull=True):
                    services.resolve(item, request.user, form.cleaned_data["resolution"])
                    count += 1
                self.message_user(request, f"Đã đánh dấu {count} chênh lệch là đã xử lý.")
                return None
            self.message_user(request, "Vui lòng ghi cách đã xử lý.", messages.ERROR)
        return render(
            request,
            "payments/admin_resolve.html",
            {
                **self.admin_site.each_context(request),
                "items": queryset,
                "form": ResolveForm(),
                "action": "resolve_items",
                "opts": self.model._meta,
            },
        )
