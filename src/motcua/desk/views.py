"""Officers' pages: the queue, desk intake, the dossier page with its actions.

Every page needs a login AND an Officer row. What an officer may do on a dossier is
decided by policy.allowed (role, agency) and the lifecycle graph (django-fsm); the
services check both again, so a form shown by mistake still cannot do harm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps

from csp.decorators import csp_replace
from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from motcua.catalog.models import Agency, Officer, Procedure
from motcua.catalog.selectors import search_procedures
from motcua.core.calendar import MINUTES_PER_DAY, deadline_warning
from motcua.core.forms import max_size_text
from motcua.core.problems import DomainError, InvalidInput
from motcua.core.text import vnd, working_days
from motcua.desk import export, forms
from motcua.desk import selectors as desk_selectors
from motcua.desk import services as desk_services
from motcua.dossiers import documents, policy, selectors, services
from motcua.dossiers.models import (
    CLOSED,
    EVENT_LABELS,
    OPEN_BEFORE_RESULT,
    Attachment,
    Channel,
    Dossier,
    DossierAccess,
    Status,
)
from motcua.payments import selectors as payment_selectors
from motcua.payments import services as payment_services
from motcua.postal import selectors as postal_selectors
from motcua.postal import services as postal_services
from motcua.signing import selectors as signing_selectors

PAGE_SIZE = 50
# Shown on the dossier page, so each view of it is logged as a read of these fields.
PERSONAL_FIELDS = [
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "return_address",
]
QUEUE_PERSONAL_FIELDS = ["applicant_name"]  # what the queue's rows show
EXPORT_PERSONAL_FIELDS = ["applicant_name", "applicant_id_number", "applicant_phone"]
QUEUE_STATUSES = [*OPEN_BEFORE_RESULT, Status.DONE]


def officer_required(view):
    """Login, then an Officer row; a citizen gets the Vietnamese 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        officer = policy.officer_of(request.user)
        if officer is None:
            raise PermissionDenied(
                _(
                    "Trang này dành cho cán bộ, công chức. "
                    "Tài khoản của bạn không có quyền truy cập."
                )
            )
        request.officer = officer
        return view(request, *args, **kwargs)

    return login_required(wrapper)


# --- queue ----------------------------------------------------------------------------


EXPORT_MAX_ROWS = 20_000  # one .xlsx download; narrow the filters for more


@officer_required
def queue(request):
    """The officer's list: tabs by status, the search box and filters, saved filters; the
    same list prints (print CSS) and downloads as .xlsx (?xuat=xlsx)."""
    now = timezone.now()
    assignees = desk_selectors.assignees_of(request.user)
    fields = desk_selectors.field_choices()
    if request.GET:
        form = forms.DossierFilterForm(request.GET, assignees=assignees, fields=fields)
        valid = form.is_valid()
        criteria = form.criteria() if valid else desk_selectors.Criteria()
        filtered = valid and form.filled()
    else:  # most views: the form is only shown (its markup kept by desk_tags.queue_filters)
        form = forms.UnboundFilterForm(assignees, fields)
        valid, criteria, filtered = True, desk_selectors.Criteria(), False
    # One visibility condition for the list and the tabs' counts: the agency's step
    # dossiers as a list of ids, so PostgreSQL combines its indexes for both (the count
    # with policy's subquery scanned every open dossier of the province: 90 ms, not 5).
    visible = desk_selectors.visibility(request.user)

    def rows_query():
        if not valid:
            return Dossier.objects.none()
        return desk_selectors.desk_list(request.user, criteria, now, visible.q)

    if valid and request.GET.get("xuat") == "xlsx":
        return _export(request, rows_query())
    counts = desk_selectors.queue_counts(request.user, QUEUE_STATUSES, now, visible)
    total = sum(counts[s] for s in QUEUE_STATUSES)
    page = _queue_page(request, rows_query, not filtered and valid, total, visible)
    # The rows show applicants' names: one audit entry for the page, naming every dossier
    # on it, and one access row per dossier for its applicant to see.
    services.record_reads(
        request.user,
        page.object_list,
        via=DossierAccess.Via.LIST,
        fields=QUEUE_PERSONAL_FIELDS,
        page="desk.queue",
    )
    params = request.GET.copy()
    params.pop("trang", None)
    params.pop("xuat", None)
    query = params.urlencode()
    plain_tab = set(request.GET) <= {"trang"}
    status = criteria.status
    tab_only = {k for k in request.GET if request.GET.get(k)} <= {"trang", "trang_thai"}
    return render(
        request,
        "desk/queue.html",
        {
            "form": form,
            "page": page,
            "status": status if tab_only else "",
            "overdue": criteria.overdue and set(request.GET) <= {"trang", "qua_han"},
            "mine": criteria.mine and set(request.GET) <= {"trang", "cua_toi"},
            "all_tab": plain_tab,
            "filtered": filtered,
            "query": query,
            "status_counts": [(s, Status(s).label, counts.get(s, 0)) for s in QUEUE_STATUSES],
            "total": total,
            "overdue_count": counts["overdue"],
            "mine_count": counts["mine"],
            "saved_filters": desk_selectors.saved_filters(request.user),
            "save_form": forms.SavedFilterForm(initial={"query": query}) if filtered else None,
            "printed_at": now,
            # The leader's in-app notice of late steps (no personal data: code and step).
            # (Leaders only: for anyone else there is nothing to ask.)
            "attention": (
                list(selectors.overdue_steps(request.user)[:20])
                if request.officer.role == Officer.Role.LEADER
                else []
            ),
        },
        status=200 if valid else 400,
    )


def _queue_page(request, rows_query, unfiltered: bool, total: int, visible):
    """The page of QueueRows asked for. The unfiltered list is every open dossier the
    officer sees: its length is the tabs' total (not counted again), and its first page is
    read by a prepared statement; the list's query is built only when another page needs
    it (building it was a tenth of a view)."""
    if not unfiltered:
        paginator = Paginator(desk_selectors.queue_row_values(rows_query()), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("trang"))
        page.object_list = [desk_selectors.QueueRow(*values) for values in page.object_list]
        return page
    paginator = Paginator([], PAGE_SIZE)
    paginator.count = total
    page = paginator.get_page(request.GET.get("trang"))
    rows = [] if not total else None
    if rows is None and page.number == 1:
        rows = desk_selectors.queue_first_page(visible, PAGE_SIZE)
    if rows is None:
        paginator.object_list = desk_selectors.queue_row_values(rows_query())
        page = paginator.page(page.number)
        rows = page.object_list
    page.object_list = [desk_selectors.QueueRow(*values) for values in rows]
    return page


def _export(request, qs):
    rows = list(qs[: EXPORT_MAX_ROWS + 1])
    if len(rows) > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("Danh sách có hơn %(n)s hồ sơ: vui lòng lọc hẹp hơn trước khi xuất Excel.")
            % {"n": f"{EXPORT_MAX_ROWS:,}".replace(",", ".")},
        )
        params = request.GET.copy()
        params.pop("xuat", None)
        return redirect(f"{reverse('desk:queue')}?{params.urlencode()}")
    services.record_reads(
        request.user,
        rows,
        via=DossierAccess.Via.LIST,
        fields=EXPORT_PERSONAL_FIELDS,
        page="desk.queue.xlsx",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return documents.xlsx_response(export.dossier_list_xlsx(rows), f"danh-sach-ho-so-{stamp}.xlsx")


@officer_required
@require_POST
def save_filter(request):
    form = forms.SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            desk_services.save_filter(
                request.user, form.cleaned_data["name"], form.cleaned_data["query"]
            )
        except desk_services.TooManyFilters as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Đã lưu bộ lọc “%(name)s”.") % {"name": form.cleaned_data["name"]}
            )
    else:
        messages.error(request, _("Chưa lưu được bộ lọc: vui lòng đặt tên cho bộ lọc."))
    query = desk_services.clean_query(request.POST.get("query", ""))
    return redirect(f"{reverse('desk:queue')}?{query}" if query else reverse("desk:queue"))


@officer_required
@require_POST
def delete_filter(request, pk: int):
    if desk_services.delete_filter(request.user, pk):
        messages.success(request, _("Đã xóa bộ lọc."))
    return redirect("desk:queue")


# --- desk intake ----------------------------------------------------------------------


@officer_required
def intake(request):
    if request.officer.role != Officer.Role.DESK:
        raise PermissionDenied(_("Chỉ cán bộ một cửa được tiếp nhận hồ sơ trực tiếp."))
    code = request.GET.get("thu_tuc", "").strip()
    procedure = (
        Procedure.objects.filter(code=code, is_active=True).select_related("agency").first()
        if code
        else None
    )
    if procedure is None:
        q = request.GET.get("q", "").strip()
        return render(
            request,
            "desk/intake_choose.html",
            {
                "q": q,
                "code": code,
                "not_found": bool(code),
                "results": list(search_procedures(q)[:30]) if q else [],
            },
        )
    status = 200
    if request.method == "POST":
        form = forms.DeskSubmissionForm(
            request.POST,
            request.FILES,
            procedure=procedure,
            province_code=request.officer.agency.province_code,
        )
        if form.is_valid():
            channel = form.cleaned_data["channel"]
            tracking = form.cleaned_data.get("postal_tracking_number", "")
            try:
                with transaction.atomic():  # the dossier and the parcel it came in, or neither
                    result = _submit_paper(request, procedure, form, channel)
                    if tracking:
                        postal_services.attach_inbound(result.dossier, tracking, request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                dossier = result.dossier
                messages.success(
                    request,
                    _("Đã tiếp nhận hồ sơ %(code)s. Hẹn trả kết quả: %(due)s.")
                    % {"code": dossier.code, "due": _format_dt(dossier.due_at)},
                )
                return redirect("desk:dossier", code=dossier.code)
        else:
            status = 400
    else:
        form = forms.DeskSubmissionForm(
            procedure=procedure, province_code=request.officer.agency.province_code
        )
    return render(
        request,
        "desk/intake_form.html",
        {
            "procedure": procedure,
            "form": form,
            "max_size": max_size_text(),
        },
        status=status,
    )


def _submit_paper(request, procedure, form, channel):
    return services.submit(
        procedure=procedure,
        applicant=form.applicant(),
        actor=request.user,
        channel=channel,
        uploads=form.uploads(),
        subject=form.cleaned_data["subject"],
        idempotency_key=form.cleaned_data["idempotency_key"] or None,
        handed_over_at=form.cleaned_data["handed_over_at"] if channel == Channel.POST else None,
        return_choice=form.return_choice(),
    )


def _format_dt(value) -> str:
    if value is None:
        return "—"
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y")


# --- dossier actions ------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    title: str
    button: str
    form: type[forms.ActionForm]
    run: Callable[[object, Dossier, forms.ActionForm], object]
    done: str
    danger: bool = False
    hint: str = ""
    # Cannot be undone: the form asks the officer to tick a confirmation first.
    confirm: bool = False


def _uploads(form) -> list[services.Upload]:
    return [services.Upload(f) for f in form.cleaned_data.get("files") or []]


# Lazy: labels are translated when shown, not at import.
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "receive",
            gettext_lazy("Tiếp nhận hồ sơ"),
            gettext_lazy("Tiếp nhận"),
            forms.NoteForm,
            lambda u, d, f: services.receive(d, u, note=f.cleaned_data["note"]),
            gettext_lazy("Đã tiếp nhận hồ sơ %(code)s."),
            hint=gettext_lazy("Hồ sơ đầy đủ, hợp lệ: bắt đầu tính thời hạn giải quyết."),
        ),
        Action(
            "request_supplement",
            gettext_lazy("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
            gettext_lazy("Gửi yêu cầu bổ sung"),
            forms.SupplementRequestForm,
            lambda u, d, f: services.request_supplement(
                d, u, f.missing_items(), note=f.cleaned_data["note"]
            ),
            gettext_lazy("Đã gửi yêu cầu bổ sung hồ sơ %(code)s."),
        ),
        Action(
            "complete_supplement",
            gettext_lazy("Nhận giấy tờ bổ sung"),
            gettext_lazy("Xác nhận đã nhận bổ sung"),
            forms.FilesForm,
            lambda u, d, f: services.complete_supplement(d, u, _uploads(f)),
            gettext_lazy("Đã nhận giấy tờ bổ sung của hồ sơ %(code)s; thời hạn được tính lại."),
        ),
        Action(
            "assign",
            gettext_lazy("Chuyển xử lý"),
            gettext_lazy("Chuyển"),
            forms.AssignForm,
            lambda u, d, f: services.assign(
                d,
                u,
                to_agency=f.cleaned_data["to_agency"],
                to_user=f.cleaned_data["to_user"],
                budget_days=f.cleaned_data["budget_days"],
                note=f.cleaned_data["note"],
            ),
            gettext_lazy("Đã chuyển xử lý hồ sơ %(code)s."),
        ),
        Action(
            "request_payment",
            gettext_lazy("Yêu cầu thực hiện nghĩa vụ tài chính"),
            gettext_lazy("Gửi yêu cầu"),
            forms.PaymentForm,
            lambda u, d, f: payment_services.request_payment(d, u, note=f.cleaned_data["note"]),
            gettext_lazy("Đã yêu cầu thực hiện nghĩa vụ tài chính cho hồ sơ %(code)s."),
            hint=gettext_lazy(
                "Số tiền theo các khoản phí, lệ phí của thủ tục. Thời gian chờ người nộp "
                "thanh toán không tính vào thời hạn giải quyết."
            ),
        ),
        Action(
            "confirm_payment",
            gettext_lazy("Thu phí, lệ phí tại quầy"),
            gettext_lazy("Ghi nhận đã nộp"),
            forms.CounterPaymentForm,
            lambda u, d, f: payment_services.record_counter_payment(
                d,
                u,
                f.cleaned_data["method"],
                f.cleaned_data["receipt_number"],
                note=f.cleaned_data["note"],
            ),
            gettext_lazy("Đã ghi nhận nghĩa vụ tài chính của hồ sơ %(code)s."),
            hint=gettext_lazy(
                "Khi người nộp trả tiền mặt hoặc thẻ tại quầy; thanh toán trực tuyến được "
                "ghi nhận tự động khi nền tảng thanh toán báo kết quả."
            ),
        ),
        Action(
            "approve",
            gettext_lazy("Phê duyệt kết quả"),
            gettext_lazy("Phê duyệt"),
            forms.NoteForm,
            lambda u, d, f: services.approve(d, u, note=f.cleaned_data["note"]),
            gettext_lazy("Đã phê duyệt hồ sơ %(code)s."),
        ),
        Action(
            "finish",
            gettext_lazy("Hoàn thành xử lý, chuyển kết quả về một cửa"),
            gettext_lazy("Hoàn thành"),
            forms.FinishForm,
            lambda u, d, f: services.finish(d, u, uploads=_uploads(f), note=f.cleaned_data["note"]),
            gettext_lazy("Hồ sơ %(code)s đã xử lý xong."),
        ),
        # Steps of the internal process (quy trình nội bộ).
        Action(
            "take_step",
            gettext_lazy("Nhận xử lý bước"),
            gettext_lazy("Nhận xử lý"),
            forms.StepNoteForm,
            lambda u, d, f: services.take_step(
                d, u, f.cleaned_data["step"].pk, note=f.cleaned_data["note"]
            ),
            gettext_lazy("Đã nhận xử lý bước của hồ sơ %(code)s."),
        ),
        Action(
            "complete_step",
            gettext_lazy("Hoàn thành bước xử lý"),
            gettext_lazy("Hoàn thành bước"),
            forms.CompleteStepForm,
            lambda u, d, f: services.complete_step(
                d, u, f.cleaned_data["step"].pk, note=f.cleaned_data["note"], uploads=_uploads(f)
            ),
            gettext_lazy("Đã hoàn thành bước xử lý hồ sơ %(code)s."),
            hint=gettext_lazy("Dự thảo: đính kèm dự thảo kết quả (PDF). Cho ý kiến: ghi ý kiến."),
        ),
        Action(
            "sign",
            gettext_lazy("Ký duyệt kết quả (ký số)"),
            gettext_lazy("Ký số"),
            forms.StepNoteForm,
            lambda u, d, f: services.sign(
                d, u, f.cleaned_data["step"].pk, note=f.cleaned_data["note"]
            ),
            gettext_lazy("Đã ký số kết quả hồ sơ %(code)s."),
        ),
        Action(
            "send_back",
            gettext_lazy("Trả lại bước trước"),
            gettext_lazy("Trả lại"),
            forms.SendBackForm,
            lambda u, d, f: services.send_back(
                d,
                u,
                f.cleaned_data["step"].pk,
                f.cleaned_data["to_order"],
                f.cleaned_data["reason"],
            ),
            gettext_lazy("Đã trả lại hồ sơ %(code)s về bước trước."),
            confirm=True,
        ),
        Action(
            "request_opinion",
            gettext_lazy("Xin ý kiến cơ quan khác (phiếu chuyển)"),
            gettext_lazy("Gửi phiếu chuyển"),
            forms.OpinionRequestForm,
            lambda u, d, f: services.request_opinion(
                d,
                u,
                f.cleaned_data["step"].pk,
                to_agency=f.cleaned_data["to_agency"],
                budget_hours=f.cleaned_data["budget_hours"],
                question=f.cleaned_data["question"],
            ),
            gettext_lazy("Đã gửi phiếu xin ý kiến cho hồ sơ %(code)s."),
        ),
        Action(
            "return_result",
            gettext_lazy("Trả kết quả"),
            gettext_lazy("Trả kết quả"),
            forms.ReturnForm,
            lambda u, d, f: services.return_result(
                d, u, note=f.cleaned_data["note"], recipient=f.recipient_data()
            ),
            gettext_lazy("Đã trả kết quả hồ sơ %(code)s."),
            hint=gettext_lazy("Theo hình thức người nộp đã đăng ký."),
        ),
        Action(
            "change_return_channel",
            gettext_lazy("Thay đổi hình thức nhận kết quả"),
            gettext_lazy("Lưu hình thức mới"),
            forms.ChangeReturnChannelForm,
            lambda u, d, f: services.change_return_channel(
                d, u, f.return_choice(), note=f.cleaned_data["note"]
            ),
            gettext_lazy("Đã thay đổi hình thức nhận kết quả của hồ sơ %(code)s."),
            hint=gettext_lazy("Theo yêu cầu của người nộp, trước khi trả kết quả."),
        ),
        Action(
            "apologise",
            gettext_lazy("Xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)"),
            gettext_lazy("Gửi văn bản xin lỗi"),
            forms.ApologiseForm,
            lambda u, d, f: services.apologise(
                d, u, f.cleaned_data["new_due_at"], f.cleaned_data["reason"]
            ),
            gettext_lazy("Đã hẹn lại ngày trả kết quả hồ sơ %(code)s."),
            hint=gettext_lazy("Chỉ một lần, chậm nhất 1 ngày làm việc trước hạn trả."),
        ),
        Action(
            "refuse",
            gettext_lazy("Từ chối tiếp nhận (mẫu 03)"),
            gettext_lazy("Từ chối"),
            forms.ReasonForm,
            lambda u, d, f: services.refuse(d, u, f.cleaned_data["reason"]),
            gettext_lazy("Đã từ chối tiếp nhận hồ sơ %(code)s."),
            danger=True,
            confirm=True,
        ),
        Action(
            "withdraw",
            gettext_lazy("Rút hồ sơ theo yêu cầu của người nộp"),
            gettext_lazy("Rút hồ sơ"),
            forms.ReasonForm,
            lambda u, d, f: services.withdraw(d, u, f.cleaned_data["reason"]),
            gettext_lazy("Đã rút hồ sơ %(code)s theo yêu cầu của người nộp."),
            danger=True,
            confirm=True,
        ),
        Action(
            "stop",
            gettext_lazy("Dừng xử lý"),
            gettext_lazy("Dừng xử lý"),
            forms.ReasonForm,
            lambda u, d, f: services.stop(d, u, f.cleaned_data["reason"]),
            gettext_lazy("Đã dừng xử lý hồ sơ %(code)s."),
            danger=True,
            confirm=True,
        ),
    ]
}


def _legs(dossier: Dossier):
    legs = list(dossier.legs.select_related("agency", "assignee"))
    for leg in legs:
        days = Decimal(leg.budget_minutes) / MINUTES_PER_DAY
        leg.budget_days = working_days(days.quantize(Decimal("0.01")))
    return legs


def _process(dossier: Dossier):
    """The process's steps, each with its latest run (due time, current, overdue), and
    every run in order (sent-back rounds, opinions asked)."""
    if dossier.process_version_id is None:
        return None
    runs = list(dossier.steps.select_related("agency", "assignee").order_by("id"))
    latest = {r.step_id: r for r in runs if r.step_id is not None}
    steps = list(dossier.process_version.steps.select_related("agency"))
    for step in steps:
        step.run = latest.get(step.pk)
        step.agency_name = (step.run.agency.name if step.run else None) or (
            step.agency.name if step.agency else _("Cơ quan giải quyết")
        )
    return {"version": dossier.process_version, "steps": steps, "runs": runs}


def _events(dossier: Dossier):
    """The history with people and units by name: events store the agency identifier
    and login name of an assignment (stable keys), the page shows what people know."""
    events = list(selectors.events_of(dossier).select_related("actor"))
    identifiers = {e.data["to_agency"] for e in events if e.data.get("to_agency")}
    usernames = {e.data["to_user"] for e in events if e.data.get("to_user")}
    agencies = dict(
        Agency.objects.filter(identifier__in=identifiers).values_list("identifier", "name")
    )
    people = {
        u.username: u.get_full_name() or u.username
        for u in User.objects.filter(username__in=usernames).only(
            "username", "first_name", "last_name"
        )
    }
    for event in events:
        if event.actor is not None:
            event.actor_name = event.actor.get_full_name() or event.actor_name
        event.to_agency_name = agencies.get(
            event.data.get("to_agency"), event.data.get("to_agency")
        )
        event.to_user_name = people.get(event.data.get("to_user"), event.data.get("to_user"))
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.from_label = Status(event.from_status).label if event.from_status else ""
        event.to_label = Status(event.to_status).label
        event.amount_text = vnd(event.data["amount_vnd"]) if event.data.get("amount_vnd") else ""
    return events


CONFIRM_LABEL = gettext_lazy(
    "Tôi đã kiểm tra và xác nhận thực hiện thao tác này (không thể hoàn tác)."
)


def _action_form(spec: Action, dossier: Dossier, data=None, files=None):
    form = spec.form(data, files, prefix=spec.name, dossier=dossier)
    if spec.confirm:
        form.fields["confirm"] = django_forms.BooleanField(
            label=CONFIRM_LABEL,
            error_messages={"required": _("Vui lòng đánh dấu xác nhận trước khi thực hiện.")},
        )
    return form


def _open_form(request, dossier: Dossier, spec: Action):
    form = _action_form(spec, dossier)
    if isinstance(form, forms.StepForm):
        form.limit_steps([s.pk for s in policy.steps_for(request.user, dossier, spec.name)])
    return form


def _render_dossier(
    request, dossier: Dossier, *, bound=None, open_name: str = "", error: str = "", status=200
):
    # The page shows the applicant's personal data: one audit entry per rendering.
    services.record_reads(
        request.user, [dossier], via=DossierAccess.Via.PAGE, fields=PERSONAL_FIELDS
    )
    bound_name, bound_form = bound or (None, None)
    available = set(policy.available_actions(request.user, dossier))
    actions = [spec for name, spec in ACTIONS.items() if name in available]  # page's order
    open_action = None
    if bound_name:
        open_action = (ACTIONS[bound_name], bound_form)
    elif open_name in available:
        open_action = (ACTIONS[open_name], _open_form(request, dossier, ACTIONS[open_name]))
    attachments = list(dossier.attachments.select_related("component"))
    events = _events(dossier)
    returns = [e for e in events if e.action == "return_result" and e.data.get("recipient")]
    return render(
        request,
        "desk/dossier.html",
        {
            "dossier": dossier,
            "actions": actions,
            "open_action": open_action,
            "error": error,
            "error_action": ACTIONS[bound_name] if bound_name else None,
            "application_files": [a for a in attachments if a.kind != Attachment.Kind.RESULT],
            "result_files": [a for a in attachments if a.kind == Attachment.Kind.RESULT],
            "signed_results": signing_selectors.signed_results(dossier),
            "representation": selectors.representation_of(dossier),
            "legs": _legs(dossier),
            "process": _process(dossier),
            "events": events,
            "recipient": returns[-1].data["recipient"] if returns else None,
            "payments": payment_selectors.payments_of(dossier),
            "max_size": max_size_text(),
            "receipt_available": dossier.received_at is not None,
            "postal": postal_selectors.desk_panel(request.user, dossier),
            # Issue 8: a deadline in a year whose holidays nobody confirmed may still move.
            "calendar_warning": None
            if dossier.status in CLOSED
            else deadline_warning(dossier.due_at, dossier.intake_due_at),
            "notices": [
                (reverse(f"desk:{notice.name}_notice", args=[dossier.code]), label)
                for notice, label in documents.available_notices(dossier)
            ],
        },
        status=status,
    )


@officer_required
def dossier_page(request, code: str):
    return _render_dossier(
        request,
        selectors.dossier_for(request.user, code),
        open_name=request.GET.get("thao_tac", ""),
    )


@officer_required
def dossier_action(request, code: str, action: str):
    """GET: the action's form (a fragment for htmx, else the page with that form open);
    POST: do it."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    dossier = selectors.dossier_for(request.user, code)
    if request.method == "GET":
        if request.headers.get("HX-Request") != "true":
            return _render_dossier(request, dossier, open_name=action)
        if action not in policy.available_actions(request.user, dossier):
            return render(request, "desk/_action_unavailable.html", {"spec": spec})
        return render(
            request,
            "desk/_action_form.html",
            {"dossier": dossier, "spec": spec, "form": _open_form(request, dossier, spec)},
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = _action_form(spec, dossier, request.POST, request.FILES)
    if not form.is_valid():
        return _render_dossier(
            request,
            dossier,
            bound=(action, form),
            error=_("Chưa thực hiện được: vui lòng kiểm tra lại thông tin đã nhập."),
            status=400,
        )
    try:
        spec.run(request.user, dossier, form)
    except DomainError as exc:
        form.add_error(None, exc.message)
        # The service rolled back; read the dossier again rather than trust this copy.
        dossier = selectors.dossier_for(request.user, code)
        return _render_dossier(
            request, dossier, bound=(action, form), error=exc.message, status=exc.status_code
        )
    messages.success(request, str(spec.done) % {"code": code})
    if selectors.visible_dossiers(request.user).filter(code=code).exists():
        return redirect("desk:dossier", code=code)
    # Handed on to another agency: this officer no longer holds it.
    return redirect("desk:queue")


@officer_required
def assign_officers(request, code: str):
    """The assign form's officer list for the agency just picked (htmx swaps it in)."""
    dossier = selectors.dossier_for(request.user, code)
    form = _action_form(ACTIONS["assign"], dossier, request.GET)
    return render(request, "desk/_officer_select.html", {"field": form["to_user"]})


@officer_required
def receipt(request, code: str):
    """Form 01 (receipt and appointment slip) for a received dossier."""
    dossier = selectors.dossier_for(request.user, code)
    if dossier.received_at is None:
        raise Http404
    services.record_reads(
        request.user, [dossier], via=DossierAccess.Via.PDF, fields=PERSONAL_FIELDS
    )
    return documents.pdf_response(
        documents.receipt_pdf(dossier), f"phieu-tiep-nhan-{dossier.code}.pdf"
    )


@officer_required
def notice(request, code: str, name: str):
    """Forms 02-04 of a dossier the officer can see; 404 when the form does not exist
    (no such event), like the receipt of a dossier not yet received."""
    dossier = selectors.dossier_for(request.user, code)
    notice = documents.NOTICES[name]
    try:
        data = notice.render(dossier)
    except InvalidInput:
        raise Http404 from None
    services.record_reads(
        request.user, [dossier], via=DossierAccess.Via.PDF, fields=PERSONAL_FIELDS
    )
    return documents.pdf_response(data, f"{notice.filename}-{dossier.code}.pdf")


PREVIEW_TYPES = frozenset(["application/pdf", "image/png", "image/jpeg"])


@officer_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def preview(request, code: str, pk: int):
    """An attachment shown inside the dossier page (PDF in a frame, images inline): the
    same checks and read log as a download, served inline and only to this site's frames.
    Only types checked by their magic bytes at upload are shown; others are downloaded."""
    dossier = selectors.dossier_for(request.user, code)
    attachment = dossier.attachments.filter(pk=pk).first()
    if attachment is None or attachment.content_type not in PREVIEW_TYPES:
        raise Http404
    services.record_reads(
        request.user,
        [dossier],
        via=DossierAccess.Via.FILE,
        fields=["file"],
        subject=("attachment", f"{dossier.code}#{pk}"),
    )
    try:
        handle = default_storage.open(attachment.path, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=False,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
