from django.contrib import admin

from motcua.signing.models import SignedResult, SigningCredential


@admin.register(SigningCredential)
class SigningCredentialAdmin(admin.ModelAdmin):
    # Keys are registered with `motcua signing register` (the file is opened and its
    # certificate read then); here an administrator sees them and retires one.
    list_display = ["subject", "kind", "user", "agency", "issuer", "not_after", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["subject", "user__username", "agency__name", "serial"]
    readonly_fields = [
        "kind",
        "user",
        "agency",
        "p12_file",
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(SignedResult)
class SignedResultAdmin(admin.ModelAdmin):
    list_display = ["result_code", "signer_name", "kind", "signed_at"]
    search_fields = ["result_code", "dossier__code", "signer_name"]
    list_select_related = ["dossier"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
