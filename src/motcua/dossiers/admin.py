from django.contrib import admin, messages

from motcua.core.calendar import deadline_warning
from motcua.dossiers import services
from motcua.dossiers.models import CLOSED, Dossier, DossierAccess, Event
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
