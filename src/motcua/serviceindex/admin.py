from django.contrib import admin

from motcua.serviceindex.models import DataFeed, Indicator


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "max_points", "full_at", "formula", "is_active"]
    list_editable = ["max_points", "full_at", "is_active"]
    list_filter = ["group", "is_active"]
    search_fields = ["code", "name", "legal_source"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "formula":
            from django import forms

            from motcua.serviceindex.formulas import FORMULAS

            return forms.ChoiceField(
                label=db_field.verbose_name,
                choices=[(k, f"{k} – {f.label}") for k, f in FORMULAS.items()],
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(DataFeed)
class DataFeedAdmin(admin.ModelAdmin):
    list_display = ["key", "since"]
