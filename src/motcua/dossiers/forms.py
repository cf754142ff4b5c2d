"""Form fields shared by the portal and the desk pages (which may not import each other):
the return channel the applicant chooses, and who collects a result at the desk.

The forms shape input; services.ReturnChoice and services.RecipientData decide.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.core.forms import IdNumberField, TextField
from motcua.dossiers import selectors, services
from motcua.dossiers.models import ReturnMethod

RETURN_FIELDS = ("return_channel", "return_address", "return_province", "return_unit")


class ReturnChoiceFields(forms.Form):
    """Desk, online or post (street + commune). The commune list is the chosen province's:
    without a script, choosing another province and sending shows its communes (the
    commune must then be chosen again: "not in the list" is the error)."""

    # Not required: the page always sends the pre-selected radio; a client that sends
    # nothing gets the form's default (see setup_return_fields).
    return_channel = forms.ChoiceField(
        label=_("Hình thức nhận kết quả"),
        choices=ReturnMethod.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Vui lòng chọn hình thức nhận kết quả."),
            "invalid_choice": _("Hình thức nhận kết quả không hợp lệ."),
        },
    )
    return_address = TextField(
        label=_("Địa chỉ nhận kết quả (số nhà, đường, thôn, xóm)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    return_province = forms.ChoiceField(
        label=_("Tỉnh, thành phố"),
        required=False,
        error_messages={"invalid_choice": _("Tỉnh, thành phố đã chọn không hợp lệ.")},
    )
    return_unit = forms.ChoiceField(
        label=_("Xã, phường, đặc khu"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Xã, phường đã chọn không thuộc tỉnh, thành phố đã chọn: vui lòng chọn lại."
            )
        },
    )

    def setup_return_fields(
        self,
        *,
        province_code: str = "",
        channels: list[str] | None = None,
        default: str = ReturnMethod.DESK,
    ) -> None:
        """`province_code`: the province whose communes are offered first (the
        agency's); `channels`: the channels this form may offer (default all);
        `default`: the channel chosen when the form opens."""
        self.default_return_channel = default
        if not self.is_bound:
            self.initial.setdefault("return_channel", default)
        if channels is not None:
            self.fields["return_channel"].choices = [
                (value, label) for value, label in ReturnMethod.choices if value in channels
            ]
        self.fields["return_province"].choices = [("", _("— Chọn tỉnh, thành phố —"))] + [
            (p.code, p.name) for p in selectors.provinces()
        ]
        if self.is_bound:
            province = self.data.get(self.add_prefix("return_province"), "")
        else:
            province = self.initial.get("return_province") or province_code
            self.initial.setdefault("return_province", province_code)
        province = province if isinstance(province, str) else ""
        self.fields["return_unit"].choices = [("", _("— Chọn xã, phường —"))] + [
            (u.code, u.name) for u in selectors.communes_of(province[:16])
        ]

    def clean(self):
        data = super().clean()
        if not data.get("return_channel") and "return_channel" not in self.errors:
            data["return_channel"] = getattr(self, "default_return_channel", ReturnMethod.DESK)
        if data.get("return_channel") == ReturnMethod.POST:
            if not data.get("return_address") and "return_address" not in self.errors:
                self.add_error("return_address", _("Nhận kết quả qua bưu chính cần địa chỉ nhận."))
            if not data.get("return_unit") and "return_unit" not in self.errors:
                self.add_error("return_unit", _("Nhận kết quả qua bưu chính cần chọn xã, phường."))
        return data

    def return_fields(self):
        return [self[name] for name in RETURN_FIELDS]

    def return_choice(self) -> services.ReturnChoice:
        data = self.cleaned_data
        unit = selectors.unit_by_code(data["return_unit"]) if data.get("return_unit") else None
        province = (
            selectors.unit_by_code(data["return_province"]) if data.get("return_province") else None
        )
        return services.ReturnChoice(
            channel=data["return_channel"],
            address=data.get("return_address", ""),
            unit=unit,
            province=province,
        )


class RecipientFields(forms.Form):
    """Who collects the result at the desk: the applicant, or an authorised person."""

    recipient = forms.ChoiceField(
        label=_("Người nhận kết quả"),
        choices=services.Recipient.CHOICES,
        initial=services.Recipient.APPLICANT,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn người nhận kết quả.")},
    )
    recipient_name = TextField(
        label=_("Họ tên người được ủy quyền"), max_length=200, required=False
    )
    recipient_id_number = IdNumberField(
        label=_("Số định danh cá nhân người được ủy quyền"), required=False
    )
    recipient_note = TextField(
        label=_("Giấy ủy quyền (số, ngày) hoặc quan hệ với người nộp"),
        max_length=500,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("recipient") == services.Recipient.AUTHORISED:
            for name, message in (
                ("recipient_name", _("Cần họ tên người được ủy quyền.")),
                ("recipient_id_number", _("Cần số định danh cá nhân người được ủy quyền.")),
                ("recipient_note", _("Cần ghi giấy ủy quyền hoặc quan hệ với người nộp.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    def recipient_data(self) -> services.RecipientData:
        data = self.cleaned_data
        return services.RecipientData(
            kind=data["recipient"],
            name=data.get("recipient_name", ""),
            id_number=data.get("recipient_id_number", ""),
            note=data.get("recipient_note", ""),
        )
