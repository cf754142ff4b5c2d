from django.contrib import admin, messages

from motcua.core import audit
from motcua.core.calendar import deadline_warning
from motcua.dossiers import documents, services
from motcua.dossiers.models import CLOSED, Dossier, DossierAccess, Event, FormText
from motcua.dossiers.serializers import PERSONAL_FIELDS


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "national_status", "actor_name", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only here: every change goes through the desk pages or the API (services).

    Every page that shows an applicant's personal data is logged as a read (audit entry
    and the applicant's "who opened my dossier" list), like the desk pages.
    """

    list_display = ["code", "applicant_name", "procedure", "status", "channel", "due_at", "agency"]
    list_filter = ["status", "channel"]
    search_fields = ["code"]
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Dossier._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status not in CLOSED:
            warning = deadline_warning(obj.due_at, obj.intake_due_at)
            if warning:
                self.message_user(request, warning, messages.WARNING)
        if obj is not None:
            services.record_reads(
                request.user, [obj], via=DossierAccess.Via.ADMIN, fields=PERSONAL_FIELDS
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        shown = [f for f in PERSONAL_FIELDS if f in self.list_display]
        if changelist is not None and shown:
            # Evaluates the page's queryset once; the template then reuses its cache.
            rows = list(changelist.result_list)
            services.record_reads(
                request.user,
                rows,
                via=DossierAccess.Via.ADMIN,
                fields=shown,
                page="admin.dossier_changelist",
            )
        return response


@admin.register(FormText)
class FormTextAdmin(admin.ModelAdmin):
    """Wording of the TT 03/2025 forms: a correction shows in the next PDF printed, no
    release needed. Rows are seeded from the shipped defaults after each migrate;
    emptying a text falls back to the default."""

    list_display = ["form_label", "label", "short_text", "updated_at"]
    list_filter = ["form"]
    search_fields = ["text", "label"]
    readonly_fields = ["form", "key", "label", "default_text", "placeholders", "updated_at"]
    fields = ["form", "key", "label", "text", "default_text", "placeholders", "updated_at"]

    @admin.display(description="Mẫu", ordering="form")
    def form_label(self, obj: FormText) -> str:
        return f"{obj.form:02d} – {documents.FORM_NAMES.get(obj.form, '')}"

    @admin.display(description="Văn bản")
    def short_text(self, obj: FormText) -> str:
        return obj.text if len(obj.text) <= 90 else obj.text[:89] + "…"

    @admin.display(description="Văn bản mặc định")
    def default_text(self, obj: FormText) -> str:
        return documents.DEFAULT_TEXTS.get(obj.form, {}).get(obj.key, ("", ""))[1]

    @admin.display(description="Chỗ điền tự động")
    def placeholders(self, obj: FormText) -> str:
        return (
            "{unit}: đơn vị tiếp nhận; {agency}: cơ quan ban hành; {code}: mã hồ sơ; "
            "{procedure}: tên thủ tục; {received_at}: thời điểm tiếp nhận; {asked_at} (mẫu 02), "
            "{stopped_at} (mẫu 05)"
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            "form_text.change",
            "form_text",
            f"{obj.form:02d}.{obj.key}",
            actor=request.user,
            data={"text": obj.text},
        )
