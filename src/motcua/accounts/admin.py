"""API keys in the admin: administrators see and revoke them (audited); keys are made by
their holders on their own account page, so the admin does not create or edit them.
Citizens' identities: read (each read logged) and, for a declared one, released so the
citizen declares again."""

from django.contrib import admin, messages
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from motcua.accounts import services
from motcua.accounts.models import CitizenIdentity
from motcua.core import audit
from motcua.core.problems import DomainError

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


IDENTITY_FIELDS = ["id_number", "full_name", "birthdate", "phone"]


@admin.register(CitizenIdentity)
class CitizenIdentityAdmin(admin.ModelAdmin):
    """For the help desk: "I declared the wrong number", "which account holds this number".
    Nothing is edited here; a declared identity is released (with a reason) and the
    citizen declares again; a VNeID identity stays as VNeID vouched for it."""

    list_display = ["full_name", "id_number", "source", "user", "bound_at", "last_login_at"]
    list_filter = ["source"]
    search_fields = ["=id_number", "user__username", "full_name"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "id_number",
        "full_name",
        "birthdate",
        "phone",
        "source",
        "subject",
        "bound_at",
        "last_login_at",
    ]
    actions = ["release"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # "release" does it, with its reason and audit entry

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the view permission shows the page read-only

    @admin.action(description="Gỡ định danh tự khai báo (công dân khai báo lại)")
    def release(self, request, queryset):
        released = 0
        for identity in queryset:
            try:
                services.release_declared_identity(
                    identity, actor=request.user, reason="Quản trị viên gỡ qua trang quản trị"
                )
            except DomainError as exc:
                self.message_user(request, f"{identity}: {exc.message}", messages.ERROR)
            else:
                released += 1
        if released:
            self.message_user(request, f"Đã gỡ {released} định danh tự khai báo.")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            audit.record_read(
                request.user, "citizen_identity", obj.pk, IDENTITY_FIELDS, data={"via": "admin"}
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            ids = [str(i.pk) for i in changelist.result_list]
            if ids:
                audit.record_list_read(
                    request.user,
                    "citizen_identity",
                    "admin.identity_changelist",
                    ids,
                    ["id_number", "full_name"],
                )
        return response
