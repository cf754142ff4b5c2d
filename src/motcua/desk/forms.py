"""Forms of the officers' pages: one small form per dossier action, and desk intake.

The forms only shape input; the services decide (status, role, agency, deadlines).
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Agency, ProcessStep
from motcua.core.dates import VnDateField, VnDateTimeField
from motcua.core.forms import (
    ACCEPT,
    FILE_MESSAGES,
    REQUIRED,
    IdNumberField,
    MultipleFileField,
    PhoneField,
    TextField,
)
from motcua.core.problems import DomainError
from motcua.core.text import vnd
from motcua.desk.selectors import Criteria
from motcua.dossiers import services
from motcua.dossiers.forms import RecipientFields, ReturnChoiceFields
from motcua.dossiers.models import Channel, DossierStep, ReturnMethod, Status
from motcua.postal import services as postal_services


def _note():
    return TextField(
        label=_("Ghi chú"),
        multiline=True,
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _reason(label):
    # An invisible-only reason is empty after normalisation: "required" answers it.
    return TextField(
        label=label,
        multiline=True,
        max_length=2000,
        error_messages={"required": _("Vui lòng ghi rõ lý do.")},
    )


# --- actions on a dossier -------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the per-action forms; `dossier` lets a form offer choices that fit it."""

    def __init__(self, *args, dossier=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier = dossier


class NoteForm(ActionForm):
    note = _note()


class ReasonForm(ActionForm):
    reason = _reason(_("Lý do"))


class SupplementRequestForm(ActionForm):
    """Form 02: every paper to add, each with its reason. A reason field per component
    of the procedure (filled in = that paper is asked for), and free lines for others."""

    missing = TextField(
        label=_("Giấy tờ khác cần bổ sung (mỗi dòng: tên giấy tờ: lý do)"),
        multiline=True,
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Hướng dẫn đầy đủ một lần: mỗi bước (tiếp nhận, thẩm định) chỉ được yêu cầu "
            "bổ sung một lần."
        ),
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.components = list(self.dossier.procedure.components.all()) if self.dossier else []
        fields = {}
        for component in self.components:
            fields[f"reason_{component.pk}"] = TextField(
                label=_("Lý do bổ sung: %(name)s") % {"name": component.name},
                max_length=1000,
                required=False,
            )
        # The component reasons first, then the free lines and the note.
        self.fields = {**fields, **self.fields}

    def clean(self):
        data = super().clean()
        items: list[services.MissingItem] = []
        for component in self.components:
            reason = data.get(f"reason_{component.pk}")
            if reason:
                items.append(services.MissingItem(component.name, reason))
        for line in (data.get("missing") or "").splitlines():
            if not line.strip():
                continue
            item, sep, reason = line.partition(":")
            if not sep or not item.strip() or not reason.strip():
                self.add_error(
                    "missing",
                    _("Dòng “%(line)s”: ghi theo dạng “tên giấy tờ: lý do”.")
                    % {"line": line.strip()[:80]},
                )
                continue
            items.append(services.MissingItem(item.strip(), reason.strip()))
        if not items and not self.errors:
            self.add_error(None, _("Cần liệt kê đầy đủ các giấy tờ còn thiếu và lý do."))
        self.items = items
        return data

    def missing_items(self) -> list[services.MissingItem]:
        return self.items


class FilesForm(ActionForm):
    files = MultipleFileField(label=_("Giấy tờ bổ sung"), required=False)


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        officer = user.officer
        return f"{user.get_full_name() or user.username} — {officer.get_role_display()}"


class AssignForm(ActionForm):
    to_agency = forms.ModelChoiceField(
        label=_("Chuyển đến cơ quan"),
        queryset=Agency.objects.none(),
        error_messages={"required": _("Vui lòng chọn cơ quan xử lý.")},
    )
    to_user = OfficerChoiceField(
        label=_("Cán bộ xử lý"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— Cơ quan tự phân công —"),
        help_text=_("Danh sách cán bộ của cơ quan đã chọn."),
    )
    budget_days = forms.DecimalField(
        label=_("Thời hạn bước này (ngày làm việc)"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        help_text=_("Để trống: toàn bộ thời gian còn lại đến hẹn trả kết quả."),
        error_messages={"invalid": _("Nhập số ngày làm việc, ví dụ 2 hoặc 0,5.")},
        localize=True,
    )
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(is_active=True)
        if self.dossier is not None:
            agencies = agencies.filter(province_code=self.dossier.province_code)
        self.fields["to_agency"].queryset = agencies.order_by("identifier")
        if self.dossier is not None and not self.is_bound:
            self.initial.setdefault("to_agency", self.dossier.current_agency_id)
        # Only the chosen agency's officers: the page reloads this list (htmx) when another
        # agency is picked, and a posted officer of another agency is an invalid choice.
        chosen = self.data.get(self.add_prefix("to_agency")) if self.is_bound else None
        if not self.is_bound:
            chosen = self.initial.get("to_agency")
        try:
            agency_id = int(chosen) if chosen else None
        except (TypeError, ValueError):
            agency_id = None
        self.fields["to_user"].queryset = (
            User.objects.filter(
                officer__agency_id=agency_id, officer__agency__in=agencies, is_active=True
            )
            .select_related("officer")
            .order_by("officer__role", "last_name", "first_name")
            if agency_id
            else User.objects.none()
        )
        self.fields["to_user"].error_messages["invalid_choice"] = _(
            "Cán bộ này không thuộc cơ quan đã chọn."
        )
        if self.dossier is not None:
            self.fields["to_agency"].widget.attrs.update(
                {
                    "hx-get": reverse("desk:assign_officers", args=[self.dossier.code]),
                    "hx-target": f"#{self['to_user'].auto_id}",
                    "hx-swap": "outerHTML",
                    "hx-trigger": "change",
                }
            )


class PaymentForm(ActionForm):
    """The amount is the procedure's (its fee rows for this dossier): shown, not typed."""

    amount_vnd = forms.IntegerField(label=_("Số tiền phải nộp (đồng)"), required=False)
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from motcua.payments import fees

        field = self.fields["amount_vnd"]
        field.disabled = True  # posted values are ignored: the fee rows decide
        if self.dossier is not None:
            lines = fees.fee_lines(self.dossier)
            field.initial = sum(line["amount_vnd"] for line in lines)
            field.help_text = "; ".join(
                f"{line['name']}: {vnd(line['amount_vnd'])} đồng" for line in lines
            ) or _("Thủ tục không thu phí, lệ phí đối với hồ sơ này.")


class CounterPaymentForm(ActionForm):
    """Fees paid at the desk (cash, card): recorded like an online payment."""

    method = forms.ChoiceField(
        label=_("Hình thức nộp"),
        choices=[("cash", _("Tiền mặt tại quầy")), ("card", _("Thẻ tại quầy"))],
        initial="cash",
    )
    receipt_number = TextField(
        label=_("Số biên lai thu phí, lệ phí"),
        max_length=64,
        error_messages={"required": _("Vui lòng nhập số biên lai thu phí, lệ phí.")},
    )
    note = _note()


class FinishForm(ActionForm):
    files = MultipleFileField(
        label=_("Tệp kết quả (bản điện tử)"),
        required=False,
        help_text=_("Cần có bản điện tử nếu trả kết quả trực tuyến."),
    )
    note = _note()


class ReturnForm(RecipientFields, ActionForm):
    """The result goes by the channel the applicant chose (shown on the page; changing it
    is its own action). At the desk the form records who collected it."""

    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.dossier is not None and self.dossier.return_channel != ReturnMethod.DESK:
            for name in ("recipient", "recipient_name", "recipient_id_number", "recipient_note"):
                del self.fields[name]

    def clean(self):
        if "recipient" not in self.fields:
            return forms.Form.clean(self)
        return super().clean()

    def recipient_data(self) -> services.RecipientData | None:
        return super().recipient_data() if "recipient" in self.fields else None


class ChangeReturnChannelForm(ReturnChoiceFields, ActionForm):
    note = _note()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dossier = self.dossier
        province = dossier.province_code if dossier is not None else ""
        if dossier is not None and not self.is_bound:
            self.initial.setdefault("return_channel", dossier.return_channel)
            self.initial.setdefault("return_address", dossier.return_address)
            if dossier.return_unit is not None:
                province = dossier.return_unit.parent.code if dossier.return_unit.parent else ""
                self.initial.setdefault("return_unit", dossier.return_unit.code)
        channels = None
        if dossier is not None and dossier.applicant_id is None:
            channels = [ReturnMethod.DESK, ReturnMethod.POST]  # no account to send it to
        self.setup_return_fields(province_code=province, channels=channels)


class ApologiseForm(ActionForm):
    new_due_at = VnDateTimeField(
        label=_("Ngày hẹn trả mới"),
        error_messages={"required": _("Vui lòng nhập ngày hẹn mới.")},
    )
    reason = _reason(_("Lý do chậm trễ"))


# --- desk intake ----------------------------------------------------------------------


class StepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, step):
        return f"{step.order}. {step.name} — {step.agency.name}"


class StepForm(ActionForm):
    """An action on one open step of the process; the page narrows the choices to the
    steps this officer may act on (the services check again)."""

    step = StepChoiceField(
        label=_("Bước"),
        queryset=DossierStep.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Bước này không còn mở.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.dossier is not None:
            self.fields["step"].queryset = self.dossier.steps.filter(
                finished_at=None
            ).select_related("agency")

    def limit_steps(self, ids: list[int]) -> None:
        self.fields["step"].queryset = self.fields["step"].queryset.filter(pk__in=ids)


class StepNoteForm(StepForm):
    note = _note()


class CompleteStepForm(StepForm):
    note = TextField(
        label=_("Ghi chú / ý kiến"),
        multiline=True,
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bước cho ý kiến: ghi rõ ý kiến của cơ quan."),
    )
    files = MultipleFileField(label=_("Tệp (bước dự thảo: dự thảo kết quả PDF)"), required=False)


class SendBackForm(StepForm):
    to_order = forms.TypedChoiceField(label=_("Trả lại bước"), coerce=int, choices=())
    reason = _reason(_("Lý do trả lại"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = self.dossier.process_version if self.dossier is not None else None
        if version is not None:
            self.fields["to_order"].choices = [
                (s.order, f"{s.order}. {s.name}") for s in version.steps.all()
            ]


class OpinionRequestForm(StepForm):
    to_agency = forms.ModelChoiceField(
        label=_("Cơ quan được xin ý kiến"), queryset=Agency.objects.filter(is_active=True)
    )
    budget_hours = forms.DecimalField(
        label=_("Thời hạn cho ý kiến (giờ làm việc)"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        localize=True,
    )
    question = _reason(_("Nội dung xin ý kiến (phiếu chuyển)"))


class DeskSubmissionForm(ReturnChoiceFields):
    """A paper dossier entered at the desk (or arrived by post) for any procedure, with
    how the applicant wants the result (no online return: no account to send it to)."""

    channel = forms.ChoiceField(
        label=_("Hình thức nộp"),
        choices=[(Channel.DESK, Channel.DESK.label), (Channel.POST, Channel.POST.label)],
        initial=Channel.DESK,
        widget=forms.RadioSelect,
    )
    handed_over_at = VnDateTimeField(
        label=_("Thời điểm ký biên bản bàn giao (bưu chính)"),
        required=False,
        help_text=_(
            "Hồ sơ qua bưu chính: thời điểm nộp là lúc ký biên bản bàn giao. "
            "Ngày/tháng/năm giờ:phút, ví dụ 05/09/2026 14:30."
        ),
    )
    # The parcel the dossier came in (kept as an inbound postal order with the dossier).
    postal_tracking_number = TextField(
        label=_("Mã vận đơn bưu gửi (bưu chính)"), max_length=40, required=False
    )
    name = TextField(label=_("Họ và tên người nộp"), max_length=200, error_messages=REQUIRED)
    id_number = IdNumberField(label=_("Số định danh cá nhân"), error_messages=REQUIRED)
    phone = PhoneField(label=_("Số điện thoại"), required=False)
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
    )
    address = TextField(label=_("Địa chỉ"), max_length=300, required=False)
    subject = TextField(label=_("Trích yếu"), max_length=500, required=False)
    # A double click on "Tiếp nhận" must not create two dossiers (see services.submit).
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, procedure, province_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        self.setup_return_fields(
            province_code=province_code, channels=[ReturnMethod.DESK, ReturnMethod.POST]
        )
        self.components = list(procedure.components.all())
        for component in self.components:
            # Paper dossiers: the scans are optional (the paper is at the desk).
            self.fields[f"component_{component.pk}"] = forms.FileField(
                label=component.name,
                required=False,
                error_messages=FILE_MESSAGES,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )

    def clean(self):
        data = super().clean()
        if data.get("channel") == Channel.POST and not data.get("handed_over_at"):
            self.add_error(
                "handed_over_at", _("Hồ sơ qua bưu chính cần thời điểm ký biên bản bàn giao.")
            )
        if data.get("channel") != Channel.POST:
            data["postal_tracking_number"] = ""
        elif data.get("postal_tracking_number"):
            try:
                data["postal_tracking_number"] = postal_services.free_tracking_number(
                    data["postal_tracking_number"]
                )
            except DomainError as exc:
                self.add_error("postal_tracking_number", exc.message)
        return data

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data.get("idempotency_key", "")
        return key if len(key) == 32 and all(c in "0123456789abcdef" for c in key) else ""

    def applicant_fields(self):
        return [self[n] for n in ("name", "id_number", "phone", "email", "address")]

    def component_fields(self):
        return [(c, self[f"component_{c.pk}"]) for c in self.components]

    def applicant(self) -> services.ApplicantData:
        d = self.cleaned_data
        return services.ApplicantData(
            name=d["name"],
            id_number=d["id_number"],
            phone=d.get("phone", ""),
            email=d.get("email", ""),
            address=d.get("address", ""),
        )

    def uploads(self) -> list[services.Upload]:
        return [
            services.Upload(self.cleaned_data[f"component_{c.pk}"], c.pk)
            for c in self.components
            if self.cleaned_data.get(f"component_{c.pk}")
        ]


# --- the queue's search box and filters ------------------------------------------------


class DossierFilterForm(forms.Form):
    """GET parameters of the queue (Vietnamese names: they show in the address bar and in
    saved filters). Every field is optional; a bad value is reported, not a 500."""

    q = forms.CharField(
        label=_("Tìm hồ sơ"),
        required=False,
        max_length=200,
        help_text=_(
            "Mã hồ sơ, họ tên người nộp (có thể gõ không dấu), số định danh hoặc số điện thoại."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    thu_tuc = forms.CharField(label=_("Mã thủ tục"), required=False, max_length=32)
    linh_vuc = forms.TypedChoiceField(
        label=_("Lĩnh vực"), required=False, coerce=int, empty_value=None
    )
    kenh = forms.ChoiceField(label=_("Kênh nộp"), required=False)
    trang_thai = forms.ChoiceField(label=_("Trạng thái"), required=False)
    buoc = forms.ChoiceField(label=_("Bước đang xử lý"), required=False)
    can_bo = forms.TypedChoiceField(
        label=_("Cán bộ xử lý"), required=False, coerce=int, empty_value=None
    )
    nhan_tu = VnDateField(label=_("Tiếp nhận từ ngày"), required=False, help_text="")
    nhan_den = VnDateField(label=_("Tiếp nhận đến ngày"), required=False, help_text="")
    han_tu = VnDateField(label=_("Hạn trả từ ngày"), required=False, help_text="")
    han_den = VnDateField(label=_("Hạn trả đến ngày"), required=False, help_text="")
    sap_den_han = forms.IntegerField(
        label=_("Đến hạn trong (ngày làm việc)"),
        required=False,
        min_value=0,
        max_value=60,
        error_messages={
            "invalid": _("Nhập số ngày làm việc (0 đến 60)."),
            "min_value": _("Nhập số ngày làm việc (0 đến 60)."),
            "max_value": _("Nhập số ngày làm việc (0 đến 60)."),
        },
    )
    qua_han = forms.BooleanField(label=_("Quá hạn"), required=False)
    cua_toi = forms.BooleanField(label=_("Giao cho tôi"), required=False)

    # Filled in by the "more filters" part of the page; the rest stays in the top bar.
    DETAIL_FIELDS = ("thu_tuc", "linh_vuc", "kenh", "trang_thai", "buoc", "can_bo")
    DATE_FIELDS = ("nhan_tu", "nhan_den", "han_tu", "han_den", "sap_den_han")

    def __init__(self, *args, assignees=(), fields=(), **kwargs):
        """`assignees` and `fields`: (id, name) pairs (desk.selectors.assignees_of and
        field_choices)."""
        super().__init__(*args, **kwargs)
        fields, assignees = tuple(fields), tuple(assignees)
        # What the rendered form depends on beyond its class and the language
        # (desk_tags.queue_filters keeps the unbound form's markup under it).
        self.choice_key = filter_choice_key(assignees, fields)
        everything = [("", _("Tất cả"))]
        self.fields["linh_vuc"].choices = everything + list(fields)
        self.fields["kenh"].choices = everything + list(Channel.choices)
        self.fields["trang_thai"].choices = everything + list(Status.choices)
        self.fields["buoc"].choices = everything + list(ProcessStep.Kind.choices)
        self.fields["can_bo"].choices = everything + list(assignees)

    def clean_thu_tuc(self):
        return " ".join(self.cleaned_data["thu_tuc"].split())

    def clean(self):
        data = super().clean()
        for start, end in (("nhan_tu", "nhan_den"), ("han_tu", "han_den")):
            if data.get(start) and data.get(end) and data[end] < data[start]:
                self.add_error(end, _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
        return data

    def criteria(self) -> Criteria:
        d = self.cleaned_data
        return Criteria(
            q=d.get("q") or "",
            procedure=d.get("thu_tuc") or "",
            field=d.get("linh_vuc"),
            channel=d.get("kenh") or "",
            status=d.get("trang_thai") or "",
            step_kind=d.get("buoc") or "",
            assignee=d.get("can_bo"),
            received_from=d.get("nhan_tu"),
            received_to=d.get("nhan_den"),
            due_from=d.get("han_tu"),
            due_to=d.get("han_den"),
            due_within=d.get("sap_den_han"),
            overdue=bool(d.get("qua_han")),
            mine=bool(d.get("cua_toi")),
        )

    def filled(self) -> bool:
        return any(v not in (None, "", False) for v in self.cleaned_data.values())


def filter_choice_key(assignees, fields) -> tuple:
    return (tuple(fields), tuple(assignees))


class UnboundFilterForm:
    """The queue's filter form when nothing was asked (most views), built only when its
    markup is not kept yet: desk_tags.queue_filters keeps that markup under a key this
    knows without the form (building it, fourteen fields deep-copied and five lists of
    choices, was 6 % of a view)."""

    is_bound = False
    form_class = DossierFilterForm

    def __init__(self, assignees, fields) -> None:
        self._lists = (assignees, fields)
        self.choice_key = filter_choice_key(assignees, fields)

    @cached_property
    def form(self) -> DossierFilterForm:
        assignees, fields = self._lists
        return DossierFilterForm(assignees=assignees, fields=fields)


class SavedFilterForm(forms.Form):
    name = TextField(
        label=_("Tên bộ lọc"),
        max_length=100,
        error_messages={"required": _("Vui lòng đặt tên cho bộ lọc.")},
    )
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
