from django.contrib import admin

from motcua.dossiers.models import Dossier, Event


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
    """Read-only here: every change goes through the desk pages or the API (services)."""

    list_display = ["code", "procedure", "status", "channel", "due_at", "agency"]
    list_filter = ["status", "channel"]
    search_fields = ["code"]
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Dossier._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
