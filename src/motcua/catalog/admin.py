from django.contrib import admin

from motcua.catalog.models import AdministrativeUnit, Agency, Component, Field, Officer, Procedure


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "parent"]
    search_fields = ["code", "name", "codename"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name", "level", "unit", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["identifier", "name"]
    raw_id_fields = ["unit", "parent"]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name"]


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "online_level", "processing_days", "agency"]
    list_filter = ["level", "online_level", "field"]
    search_fields = ["code", "name", "search_text"]
    inlines = [ComponentInline]
    raw_id_fields = ["agency"]


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "title"]
    list_filter = ["role"]
    raw_id_fields = ["user", "agency"]
