import json

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from motcua.catalog import services
from motcua.catalog.models import (
    AdministrativeUnit,
    Agency,
    Component,
    Field,
    FormTemplate,
    NationalProcedureVersion,
    Officer,
    Procedure,
    ProcedureVersion,
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # With its components saved: a change of terms becomes the next version.
        version = services.record_local_change(form.instance, actor=request.user)
        if version is not None:
            self.message_user(
                request,
                f"Đã lưu thành phiên bản {version.number} (áp dụng cho hồ sơ nộp từ nay; "
                "hồ sơ đã nộp giữ phiên bản cũ).",
            )


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


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    """Versions are made by the catalogue sync (accepting a national change): read only."""

    list_display = ["procedure", "number", "source", "national_version", "effective_from"]
    list_filter = ["source"]
    search_fields = ["procedure__code", "procedure__name"]
    list_select_related = ["procedure"]
    readonly_fields = [
        "procedure",
        "number",
        "source",
        "national_version",
        "effective_from",
        "created_at",
        "created_by",
        "content",
    ]
    exclude = ["snapshot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="nội dung thủ tục")
    def content(self, obj):
        return format_html(
            "<table>{}</table>",
            format_html_join(
                "",
                "<tr><th>{}</th><td style='white-space: pre-line'>{}</td></tr>",
                (
                    (label, services.display_value(field, obj.snapshot.get(field)))
                    for field, label in services.SYNC_FIELDS.items()
                    if field in obj.snapshot
                ),
            ),
        )


@admin.register(NationalProcedureVersion)
class NationalProcedureVersionAdmin(admin.ModelAdmin):
    """The national catalogue as pulled: each version stored once; pending changes show
    what they would change and wait for "Áp dụng" or "Từ chối"."""

    list_display = [
        "national_code",
        "name",
        "version",
        "effective_from",
        "state",
        "procedure",
        "changes",
    ]
    list_filter = ["state"]
    search_fields = ["national_code", "name", "procedure__code"]
    list_select_related = ["procedure"]
    actions = ["accept", "reject"]
    readonly_fields = [
        "national_code",
        "version",
        "name",
        "effective_from",
        "effective_until",
        "state",
        "procedure",
        "changes_table",
        "received_at",
        "decided_at",
        "decided_by",
        "decision_note",
        "applied_version",
        "raw_record",
    ]
    exclude = ["data", "raw", "diff"]

    def has_add_permission(self, request):
        return False  # versions come from the national portal only

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read only: decisions are the list's actions, not a save.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False  # the stored copy is the record of what the portal published

    @admin.display(description="số thay đổi")
    def changes(self, obj):
        return len(obj.diff) if obj.diff else "—"

    @admin.display(description="thay đổi so với thủ tục của tỉnh")
    def changes_table(self, obj):
        if not obj.diff:
            return "Không có thay đổi."
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td style='white-space: pre-line'>{}</td>"
            "<td style='white-space: pre-line'>{}</td></tr>",
            (
                (
                    change["label"],
                    services.display_value(change["field"], change["local"]),
                    services.display_value(change["field"], change["national"]),
                )
                for change in obj.diff
            ),
        )
        return format_html(
            "<table><thead><tr><th>Trường</th><th>Danh mục của tỉnh</th>"
            "<th>Cổng DVC quốc gia</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="bản ghi gốc")
    def raw_record(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.raw, ensure_ascii=False, indent=2)[:20000]
        )

    @admin.action(description="Áp dụng thay đổi vào thủ tục của tỉnh", permissions=["change"])
    def accept(self, request, queryset):
        for row in queryset:
            try:
                version = services.accept_national_version(row, actor=request.user)
            except InvalidInput as exc:
                self.message_user(request, f"{row}: {exc.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"Đã áp dụng {row} cho thủ tục {version.procedure.code}: {version.label}.",
                messages.SUCCESS,
            )
            process = version.procedure.process_versions.filter(
                state=ProcessVersion.State.PUBLISHED
            ).first()
            problems = services.process_problems(process) if process else []
            if problems:
                self.message_user(
                    request,
                    f"Quy trình nội bộ của {version.procedure.code} cần sửa theo thay đổi: "
                    + " ".join(problems),
                    messages.WARNING,
                )

    @admin.action(description="Từ chối (giữ thủ tục của tỉnh như hiện tại)", permissions=["change"])
    def reject(self, request, queryset):
        count = 0
        for row in queryset:
            try:
                services.reject_national_version(
                    row, actor=request.user, note="Quản trị viên từ chối"
                )
            except InvalidInput as exc:
                self.message_user(request, f"{row}: {exc.message}", messages.ERROR)
                continue
            count += 1
        if count:
            self.message_user(request, f"Đã từ chối {count} thay đổi.", messages.SUCCESS)
