"""The admin site: Django's, plus a verified second factor for its staff when required."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminSite(admin.AdminSite):
    site_header = "Motcua – Quản trị hệ thống"
    site_title = "Motcua"
    index_title = "Quản trị"

    def has_permission(self, request) -> bool:
        # The middleware already sends an unverified session to the second step; this
        # keeps /admin/ closed even if that middleware were ever left out. (Imported here:
        # this module is loaded with the app registry, before models may be.)
        from motcua.accounts import twofactor

        return super().has_permission(request) and not twofactor.needs_verification(request)


class AdminConfig(DjangoAdminConfig):
    default_site = "motcua.accounts.sites.AdminSite"
