"""API keys in the admin: administrators see and revoke them (audited); keys are made by
their holders on their own account page, so the admin does not create or edit them."""

from django.contrib import admin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from motcua.accounts import services

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    list_display = ["user", "created"]
    fields = ["user", "created"]
    readonly_fields = ["user", "created"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "revoke" does the same, audited
        return actions

    @admin.action(description="Thu hồi mã truy cập đã chọn", permissions=["delete"])
    def revoke(self, request, queryset):
        count = sum(services.revoke_token(t.user, actor=request.user) for t in queryset)
        self.message_user(request, f"Đã thu hồi {count} mã truy cập.")

    def delete_model(self, request, obj) -> None:
        services.revoke_token(obj.user, actor=request.user)
