from django.contrib import admin, messages

from motcua.catalog import services
from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    Component,
    Field,
    FormTemplate,
    Officer,
    Procedure,
    ProcessStep,
    ProcessVersion,
    SearchTerm,
    ServiceCentre,
    WorkingHours,
)
from motcua.core.problems import InvalidInput


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


class FormTemplateInline(admin.TabularInline):
    model = FormTemplate
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "online_level", "processing_days", "agency"]
    list_filter = ["level", "online_level", "field"]
    search_fields = ["code", "name", "search_text"]
    inlines = [ComponentInline, FormTemplateInline]
    raw_id_fields = ["agency"]


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    list_display = ["term", "expansion"]
    search_fields = ["term", "expansion"]


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "title"]
    list_filter = ["role"]
    raw_id_fields = ["user", "agency"]


class WorkingHoursInline(admin.TabularInline):
    """Opening hours per weekday (a Saturday morning is one row); none: the province's."""

    model = WorkingHours
    extra = 0


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "book_code", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "address"]
    raw_id_fields = ["unit", "parent"]
    filter_horizontal = ["agencies"]
    inlines = [WorkingHoursInline]


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0
    raw_id_fields = ["agency"]

    def has_add_permission(self, request, obj=None):
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


def _editable(version: ProcessVersion | None) -> bool:
    # A published process is what dossiers run on: only drafts change.
    return version is None or version.state == ProcessVersion.State.DRAFT


@admin.register(ProcessVersion)
class ProcessVersionAdmin(admin.ModelAdmin):
    """Administrators edit a draft, then publish it; a published version is read-only
    ("Tạo bản dự thảo mới" copies it into a new draft)."""

    list_display = ["procedure", "number", "state", "decision", "published_at"]
    list_filter = ["state"]
    search_fields = ["procedure__code", "procedure__name"]
    raw_id_fields = ["procedure"]
    readonly_fields = ["state", "published_at", "created_at"]
    inlines = [ProcessStepInline]
    actions = ["publish", "new_draft"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "procedure", "number"]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)

    @admin.action(description="Công bố áp dụng (thay thế quy trình đang áp dụng)")
    def publish(self, request, queryset):
        for version in queryset:
            try:
                services.publish_process(version, actor=request.user)
            except InvalidInput as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Đã công bố {version}.", messages.SUCCESS)

    @admin.action(description="Tạo bản dự thảo mới từ quy trình đang áp dụng")
    def new_draft(self, request, queryset):
        for procedure_id in set(queryset.values_list("procedure_id", flat=True)):
            draft = services.new_process_draft(
                Procedure.objects.get(pk=procedure_id), actor=request.user
            )
            self.message_user(request, f"Đã tạo {draft}.", messages.SUCCESS)
