from django import forms
from django.contrib import admin

from motcua.reports.models import GeneratedReport, ReportSchedule
from motcua.serviceindex import selectors as units_selectors


def _unit_choices() -> list[tuple[str, str]]:
    choices = [("tinh:0", "Toàn tỉnh")]
    for kind in ("co-quan", "xa", "trung-tam"):
        label = units_selectors.KIND_LABELS[kind]
        choices += [
            (f"{kind}:{u.pk}", f"{label} – {u.name}") for u in units_selectors.units_of_kind(kind)
        ]
    return choices


class ScheduleForm(forms.ModelForm):
    unit = forms.ChoiceField(label="Đơn vị báo cáo")
    endpoint = forms.URLField(
        label="Hoặc gửi tới địa chỉ tiếp nhận (URL)",
        required=False,
        assume_scheme="https",
        help_text="Hệ thống báo cáo nhận tệp qua HTTP POST.",
    )

    class Meta:
        model = ReportSchedule
        fields = ["unit", "period_kind", "email", "endpoint", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _unit_choices()
        if self.instance.pk:
            self.initial["unit"] = f"{self.instance.unit_kind}:{self.instance.unit_id}"

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("endpoint"):
            raise forms.ValidationError(
                "Cần nhập địa chỉ thư điện tử hoặc địa chỉ tiếp nhận (URL) để gửi báo cáo."
            )
        return data

    def save(self, commit=True):
        kind, pk = self.cleaned_data["unit"].split(":")
        self.instance.unit_kind, self.instance.unit_id = kind, int(pk)
        return super().save(commit)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    form = ScheduleForm
    list_display = ["__str__", "period_kind", "email", "endpoint", "is_active"]
    list_filter = ["period_kind", "is_active"]


@admin.register(GeneratedReport)
class GeneratedReportAdmin(admin.ModelAdmin):
    list_display = ["unit_name", "period_label", "created_at", "delivered_at"]
    readonly_fields = [f.name for f in GeneratedReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
