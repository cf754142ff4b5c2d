from django.contrib import admin

from motcua.portal.models import Announcement


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "is_important", "is_published", "published_at", "expires_at"]
    list_filter = ["is_published", "is_important"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
