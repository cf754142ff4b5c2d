"""Public pages: catalogue, procedure, online submission, lookup, the citizen's dossiers.

Views shape requests and responses only; every change goes through
motcua.dossiers.services and every business refusal arrives as a DomainError whose
message is already Vietnamese and is shown as is.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.accounts import selectors as account_selectors
from motcua.catalog.models import FormTemplate, Procedure
from motcua.catalog.selectors import procedure_by_code, search_procedures
from motcua.core import ratelimit
from motcua.core.forms import ACCEPT_TEXT, max_size_text
from motcua.core.middleware import refusal
from motcua.core.problems import DomainError, InvalidInput
from motcua.core.text import vnd
from motcua.dossiers import documents, policy, selectors, services
from motcua.dossiers.models import (
    EVENT_LABELS,
    Attachment,
    Dossier,
    DossierAccess,
    Event,
    Status,
)
from motcua.payments import selectors as payment_selectors
from motcua.portal import forms
from motcua.portal import selectors as portal_selectors
from motcua.signing import selectors as signing_selectors

PAGE_SIZE = 20


def _decorate(procedure: Procedure) -> Procedure:
    procedure.fee_text = vnd(procedure.fee_vnd)
    procedure.charge_text = vnd(procedure.charge_vnd)
    return procedure


def _is_citizen(user) -> bool:
    return user.is_authenticated and policy.officer_of(user) is None


def _page(request, qs: QuerySet):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("trang"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("trang", None)
    return params.urlencode()


# --- catalogue ------------------------------------------------------------------------


def home(request):
    figures = portal_selectors.home_figures()
    return render(
        request,
        "portal/home.html",
        {
            "procedure_count": figures["procedures"],
            "figures": figures,
            "announcements": portal_selectors.current_announcements(),
            "levels": Procedure.Level.choices,
        },
    )


def catalogue(request):
    form = forms.SearchForm(request.GET or None)
    q = level = field = ""
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        level = form.cleaned_data["level"]
        field = form.cleaned_data["field"]
    page = _page(request, search_procedures(q, level=level or None, field=field or None))
    for procedure in page:
        _decorate(procedure)
    return render(
        request,
        "portal/catalogue.html",
        {"form": form, "page": page, "q": q, "query": _query_without_page(request)},
    )


def procedure_detail(request, code: str):
    procedure = procedure_by_code(code)
    if procedure is None:
        raise Http404
    return render(
        request,
        "portal/procedure_detail.html",
        {
            "procedure": _decorate(procedure),
            "components": procedure.components.all(),
            "steps": [line.strip() for line in procedure.steps.splitlines() if line.strip()],
            "templates": procedure.form_templates.all(),
        },
    )


def form_template_download(request, code: str, pk: int):
    """A blank form of the procedure, served by Motcua itself (no third-party link)."""
    template = get_object_or_404(FormTemplate, pk=pk, procedure__code=code)
    try:
        handle = template.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=template.file.name.rsplit("/", 1)[-1])


# --- online submission ----------------------------------------------------------------


def _prefill(user) -> dict[str, str]:
    """The account's name and e-mail, plus what the citizen typed last time (ID number,
    phone, address), so a second submission is not a retyping exercise."""
    initial = {"name": user.get_full_name(), "email": user.email}
    last = Dossier.objects.filter(applicant=user).order_by("-submitted_at").first()
    if last is not None:
        initial.update(
            id_number=last.applicant_id_number,
            phone=last.applicant_phone,
            address=last.applicant_address,
            email=last.applicant_email or user.email,
        )
    return initial


@login_required
def submit(request, code: str):
    procedure = get_object_or_404(
        Procedure.objects.select_related("field", "agency"), code=code, is_active=True
    )
    if not _is_citizen(request.user):
        raise PermissionDenied(
            _(
                "Tài khoản cán bộ không nộp hồ sơ trực tuyến. Vui lòng dùng chức năng "
                "“Tiếp nhận hồ sơ” tại bộ phận một cửa, hoặc đăng nhập bằng tài khoản công dân."
            )
        )
    status = 200
    identity = account_selectors.identity_of(request.user)
    if request.method == "POST":
        decision = ratelimit.submission(request)
        if not decision.allowed:
            return refusal(
                request,
                429,
                "Bạn đã nộp quá nhiều hồ sơ trong thời gian ngắn. Vui lòng thử lại sau "
                f"{ratelimit.wait_text(decision.retry_after)}.",
                "submission_throttled",
                retry_after=decision.retry_after,
            )
        form = forms.SubmissionForm(
            request.POST,
            request.FILES,
            procedure=procedure,
            province_code=_province(procedure),
            identity=identity,
        )
        if form.is_valid():
            try:
                result = services.submit(
                    procedure=procedure,
                    applicant=form.applicant(),
                    actor=request.user,
                    channel="online",
                    agency=form.cleaned_data.get("commune"),
                    uploads=form.uploads(),
                    subject=form.cleaned_data["subject"],
                    idempotency_key=form.cleaned_data["idempotency_key"] or None,
                    return_choice=form.return_choice(),
                    representation=form.representation_data(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                return redirect("submit_done", code=result.dossier.code)
        else:
            status = 400
    else:
        form = forms.SubmissionForm(
            initial=_prefill(request.user),
            procedure=procedure,
            province_code=_province(procedure),
            identity=identity,
        )
    return render(
        request,
        "portal/submit.html",
        {
            "procedure": procedure,
            "form": form,
            "max_size": max_size_text(),
            "accept": ACCEPT_TEXT,
        },
        status=status,
    )


def _province(procedure: Procedure) -> str:
    """Whose communes the return address offers first: the procedure's province."""
    if procedure.agency is not None:
        return procedure.agency.province_code
    return settings.MOTCUA_PROVINCE_CODE


def _own_dossier(request, code: str) -> Dossier:
    """The logged-in citizen's own dossier; 404 for everyone else (officers included,
    who have the desk pages), so codes of other people's dossiers cannot be probed."""
    if not _is_citizen(request.user):
        raise Http404
    dossier = selectors.visible_dossiers(request.user).filter(code=code).first()
    if dossier is None or not policy.is_owner(request.user, dossier):
        raise Http404
    return dossier


@login_required
def submit_done(request, code: str):
    dossier = _own_dossier(request, code)
    return render(request, "portal/submit_done.html", {"dossier": dossier})


# --- lookup and the citizen's dossiers ------------------------------------------------


def _events(dossier: Dossier) -> list[Event]:
    events = list(selectors.events_of(dossier))
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.status_label = Status(event.to_status).label if event.to_status else ""
        event.amount_text = vnd(event.data["amount_vnd"]) if event.data.get("amount_vnd") else ""
    return events


def _results(dossier: Dossier) -> list[Attachment]:
    # The electronic copy of the result is released when the desk returns the result,
    # not when the specialist uploads it (it may still be corrected before return).
    if dossier.status != Status.RETURNED:
        return []
    return list(dossier.attachments.filter(kind=Attachment.Kind.RESULT))


def lookup(request):
    """Public status by code + the applicant's ID number. POST, so that ID numbers do
    not end up in URLs, browser history and access logs."""
    dossier = None
    searched = False
    if request.method == "POST":
        form = forms.LookupForm(request.POST)
        decision = ratelimit.lookup(request)
        if not decision.allowed:
            wait = ratelimit.wait_text(decision.retry_after)
            form.add_error(None, f"Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau {wait}.")
            response = render(request, "portal/lookup.html", {"form": form}, status=429)
            response["Retry-After"] = str(decision.retry_after)
            return response
        if form.is_valid():
            searched = True
            dossier = selectors.public_status(
                form.cleaned_data["code"], form.cleaned_data["id_number"]
            )
    else:
        # A QR code or a link may carry the code; the ID number is always typed.
        form = forms.LookupForm(initial={"code": request.GET.get("ma", "")[:64]})
    owner = (
        dossier is not None and _is_citizen(request.user) and policy.is_owner(request.user, dossier)
    )
    return render(
        request,
        "portal/lookup.html",
        {
            "form": form,
            "dossier": dossier,
            "searched": searched,
            "owner": owner,
            "events": _events(dossier) if owner else [],
            "results": _results(dossier) if owner else [],
            "signature": signing_selectors.latest_signature(dossier) if dossier else None,
        },
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
def my_dossiers(request):
    if not _is_citizen(request.user):
        return redirect("desk:queue")
    qs = selectors.visible_dossiers(request.user).filter(applicant=request.user)
    return render(
        request,
        "portal/my_dossiers.html",
        {"page": _page(request, qs.order_by("-submitted_at")), "query": ""},
    )


def _supplement_request(dossier: Dossier) -> Event | None:
    return dossier.events.filter(action="request_supplement").order_by("-id").first()


def _my_dossier_page(
    request, dossier: Dossier, *, withdraw_form=None, supplement_form=None, status: int = 200
):
    available = policy.available_actions(request.user, dossier)
    can_withdraw = "withdraw" in available
    can_supplement = "complete_supplement" in available
    return render(
        request,
        "portal/my_dossier_detail.html",
        {
            "dossier": dossier,
            "events": _events(dossier),
            "results": _results(dossier),
            "signature": signing_selectors.latest_signature(dossier),
            "submitted_files": dossier.attachments.exclude(
                kind=Attachment.Kind.RESULT
            ).select_related("component"),
            "supplement_request": _supplement_request(dossier) if can_supplement else None,
            "withdraw_form": (withdraw_form or forms.WithdrawForm()) if can_withdraw else None,
            "supplement_form": (supplement_form or forms.SupplementForm())
            if can_supplement
            else None,
            "max_size": max_size_text(),
            "notices": [
                (reverse(f"my_{notice.name}_notice", args=[dossier.code]), label)
                for notice, label in documents.available_notices(dossier, applicant=True)
            ],
            "payment": payment_selectors.for_applicant(dossier),
            # Only the owner reaches this page (_own_dossier): who opened their dossier.
            "accesses": selectors.accesses_of(dossier),
        },
        status=status,
    )


@login_required
def my_dossier_detail(request, code: str):
    return _my_dossier_page(request, _own_dossier(request, code))


@login_required
@require_POST
def my_dossier_withdraw(request, code: str):
    dossier = _own_dossier(request, code)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw(dossier, request.user, form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, exc.message)
            return _my_dossier_page(request, dossier, withdraw_form=form, status=exc.status_code)
        messages.success(request, _("Đã gửi yêu cầu rút hồ sơ %(code)s.") % {"code": code})
        return redirect("my_dossier_detail", code=code)
    return _my_dossier_page(request, dossier, withdraw_form=form, status=400)


@login_required
@require_POST
def my_dossier_supplement(request, code: str):
    dossier = _own_dossier(request, code)
    form = forms.SupplementForm(request.POST, request.FILES)
    if form.is_valid():
        uploads = [services.Upload(f) for f in form.cleaned_data["files"]]
        try:
            services.complete_supplement(dossier, request.user, uploads)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return _my_dossier_page(request, dossier, supplement_form=form, status=exc.status_code)
        messages.success(request, _("Đã nộp giấy tờ bổ sung cho hồ sơ %(code)s.") % {"code": code})
        return redirect("my_dossier_detail", code=code)
    return _my_dossier_page(request, dossier, supplement_form=form, status=400)


# --- forms 01-05 of TT 03/2025 --------------------------------------------------------


@login_required
def my_notice(request, code: str, name: str):
    """A form of the citizen's own dossier; 404 for anyone else, for the desk's own
    papers, and when the form does not exist for the dossier (no such event)."""
    dossier = _own_dossier(request, code)
    notice = documents.NOTICES[name]
    if not notice.for_applicant:
        raise Http404
    try:
        data = notice.render(dossier)
    except InvalidInput:
        raise Http404 from None
    return documents.pdf_response(data, f"{notice.filename}-{dossier.code}.pdf")


# --- files ----------------------------------------------------------------------------


def attachment_download(request, pk: int):
    """Every attachment download, for citizens and officers alike, goes through
    policy.can_view; a refusal is a 404 so that attachment ids cannot be probed."""
    attachment = get_object_or_404(Attachment.objects.select_related("dossier"), pk=pk)
    dossier = attachment.dossier
    if not policy.can_view(request.user, dossier):
        raise Http404
    officer = policy.officer_of(request.user)
    if officer is None and attachment.kind == Attachment.Kind.RESULT and not _results(dossier):
        raise Http404
    if officer is not None:
        # An officer opening an applicant's document reads personal data: log it, and
        # show it to the applicant.
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
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
