from django.contrib import admin

from motcua.postal.models import PostalEvent, PostalOrder


class EventInline(admin.TabularInline):
    model = PostalEvent
    extra = 0
    can_delete = False
    fields = ["occurred_at", "kind", "outcome", "source", "times_received", "note"]
    readonly_fields = fields


@admin.register(PostalOrder)
class PostalOrderAdmin(admin.ModelAdmin):
    list_display = ["reference", "tracking_number", "direction", "status", "fee_vnd", "created_at"]
    list_filter = ["direction", "status", "operator"]
    search_fields = ["reference", "tracking_number", "dossier__code"]
    raw_id_fields = ["dossier", "unit", "created_by"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False  # changed by the services only


@admin.register(PostalEvent)
class PostalEventAdmin(admin.ModelAdmin):
    """Unmatched events stay here until an order gets their tracking number."""

    list_display = ["tracking_number", "kind", "occurred_at", "outcome", "times_received"]
    list_filter = ["outcome", "kind", "source"]
    search_fields = ["tracking_number", "key"]
    readonly_fields = [f.name for f in PostalEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
