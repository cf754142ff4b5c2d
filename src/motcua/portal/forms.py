"""Forms of the public pages. Business rules stay in the services: these forms only shape
input and give early, field-level hints."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Agency, Field, Procedure
from motcua.core.forms import (
    ACCEPT,
    FILE_MESSAGES,
    REQUIRED,
    IdNumberField,
    MultipleFileField,
    PhoneField,
    TextField,
)
from motcua.dossiers import services
from motcua.dossiers.forms import ReturnChoiceFields
from motcua.dossiers.models import Representation, ReturnMethod

# The portal says which component a missing file belongs to.
PORTAL_FILE_MESSAGES = {
    **FILE_MESSAGES,
    "required": _("Vui lòng chọn tệp cho thành phần hồ sơ bắt buộc này."),
}


class SearchForm(forms.Form):
    q = TextField(label=_("Tên hoặc mã thủ tục"), required=False, max_length=200)
    level = forms.ChoiceField(
        label=_("Cấp thực hiện"),
        required=False,
        choices=[("", _("Tất cả các cấp")), *Procedure.Level.choices],
    )
    field = forms.ChoiceField(label=_("Lĩnh vực"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("Tất cả lĩnh vực"))] + list(
            Field.objects.order_by("sort_key", "code").values_list("code", "name")
        )
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})


class ApplicantFields(forms.Form):
    name = TextField(label=_("Họ và tên"), max_length=200, error_messages=REQUIRED)
    id_number = IdNumberField(
        label=_("Số định danh cá nhân"),
        error_messages=REQUIRED,
        help_text=_("12 chữ số trên thẻ Căn cước (hoặc 9 chữ số CMND cũ)."),
    )
    phone = PhoneField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
    )
    address = TextField(
        label=_("Địa chỉ liên hệ"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def applicant(self) -> services.ApplicantData:
        data = self.cleaned_data
        return services.ApplicantData(
            name=data["name"],
            id_number=data["id_number"],
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            address=data.get("address", ""),
        )


class SubmissionForm(ApplicantFields, ReturnChoiceFields):
    """Online submission: applicant, (commune), subject, one file input per component,
    and how the applicant wants the result (NĐ 118/2025: chosen at submission)."""

    subject = TextField(
        label=_("Trích yếu nội dung yêu cầu"),
        max_length=500,
        required=False,
        help_text=_("Để trống sẽ dùng tên thủ tục."),
    )
    # One key per page load: pressing "Nộp" twice, or going back and re-sending the
    # same form, returns the first dossier instead of creating a second one.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    # Who files for whom: for oneself (the identity bound to the account), or for someone
    # else as their legal representative or authorised person, with the paper attached.
    filing = forms.ChoiceField(
        label=_("Nộp hồ sơ cho"),
        choices=[("self", _("Chính tôi")), ("other", _("Người khác (nộp thay)"))],
        initial="self",
        required=False,  # not sent: for oneself
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Lựa chọn không hợp lệ."), **REQUIRED},
    )
    representation = forms.ChoiceField(
        label=_("Tư cách đại diện"),
        choices=[("", _("— Chọn —")), *Representation.Relationship.choices],
        required=False,
        error_messages={"invalid_choice": _("Tư cách đại diện không hợp lệ.")},
    )
    represented_name = TextField(
        label=_("Họ và tên người được đại diện"), max_length=200, required=False
    )
    represented_id_number = IdNumberField(
        label=_("Số định danh cá nhân người được đại diện"), required=False
    )
    authorisation = forms.FileField(
        label=_("Giấy ủy quyền (hoặc giấy tờ chứng minh quyền đại diện)"),
        required=False,
        error_messages=FILE_MESSAGES,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(
        self, *args, procedure: Procedure, province_code: str = "", identity=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        if identity is not None:
            # Locked: a disabled field ignores what is posted and keeps this value.
            for name, value in (("name", identity.full_name), ("id_number", identity.id_number)):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Theo định danh gắn với tài khoản.")
                self.initial[name] = value
        # Filed online: the electronic result to the account, unless the applicant says.
        self.setup_return_fields(province_code=province_code, default=ReturnMethod.ONLINE)
        self.components = list(procedure.components.all())
        if procedure.agency_id is None:
            self.fields["commune"] = forms.ModelChoiceField(
                label=_("Nộp tại UBND cấp xã"),
                queryset=Agency.objects.filter(level=Agency.Level.COMMUNE, is_active=True),
                empty_label=_("— Chọn xã, phường —"),
                error_messages={
                    "required": _("Vui lòng chọn UBND cấp xã nơi nộp hồ sơ."),
                    "invalid_choice": _("UBND cấp xã đã chọn không hợp lệ."),
                },
            )
        for component in self.components:
            self.fields[f"component_{component.pk}"] = forms.FileField(
                label=component.name,
                required=component.required,
                error_messages=PORTAL_FILE_MESSAGES,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data.get("idempotency_key", "")
        # Only our own hex keys are used; anything else is dropped, not trusted.
        return key if len(key) == 32 and all(c in "0123456789abcdef" for c in key) else ""

    def component_fields(self):
        return [(c, self[f"component_{c.pk}"]) for c in self.components]

    def applicant_fields(self):
        return [self[n] for n in ("name", "id_number", "phone", "email", "address")]

    def uploads(self) -> list[services.Upload]:
        return [
            services.Upload(self.cleaned_data[f"component_{c.pk}"], c.pk)
            for c in self.components
            if self.cleaned_data.get(f"component_{c.pk}")
        ]

    def clean(self):
        data = super().clean()
        if data.get("filing") == "other":
            required = {
                "representation": _("Vui lòng chọn tư cách đại diện."),
                "represented_name": _("Vui lòng nhập họ tên người được đại diện."),
                "represented_id_number": _("Vui lòng nhập số định danh người được đại diện."),
                "authorisation": _("Nộp thay người khác cần đính kèm giấy ủy quyền."),
            }
            for name, message in required.items():
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    def representation_fields(self):
        return [self[n] for n in ("representation", "represented_name", "represented_id_number")]

    def applicant(self) -> services.ApplicantData:
        applicant = super().applicant()
        if self.cleaned_data.get("filing") != "other":
            return applicant
        # Filing for someone else: the dossier is in the represented person's name.
        applicant.name = self.cleaned_data["represented_name"]
        applicant.id_number = self.cleaned_data["represented_id_number"]
        return applicant

    def representation_data(self) -> services.RepresentationData | None:
        if self.cleaned_data.get("filing") != "other":
            return None
        return services.RepresentationData(
            relationship=self.cleaned_data["representation"],
            authorisation=self.cleaned_data.get("authorisation"),
        )


class LookupForm(forms.Form):
    code = TextField(
        label=_("Mã hồ sơ"),
        max_length=64,
        error_messages={"required": _("Vui lòng nhập mã hồ sơ.")},
        help_text=_("In trên giấy tiếp nhận và hẹn trả kết quả, ví dụ 000.00.01.H37-250801-0001."),
    )
    # Normalised like the stored value (full-width digits find the dossier), but any
    # shape is looked up: the answer is "not found", not a hint about the shape.
    id_number = IdNumberField(
        label=_("Số định danh cá nhân của người nộp"),
        shape=False,
        error_messages={"required": _("Vui lòng nhập số định danh cá nhân của người nộp hồ sơ.")},
    )


class WithdrawForm(forms.Form):
    reason = TextField(
        label=_("Lý do rút hồ sơ"),
        multiline=True,
        max_length=1000,
        error_messages={"required": _("Vui lòng ghi rõ lý do rút hồ sơ.")},
    )


class SupplementForm(forms.Form):
    files = MultipleFileField(
        label=_("Giấy tờ bổ sung"),
        help_text=_("Có thể chọn nhiều tệp cùng lúc."),
        error_messages={**FILE_MESSAGES, "required": _("Vui lòng chọn ít nhất một tệp.")},
    )
