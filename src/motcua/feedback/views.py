"""Pages of ratings and feedback: the applicant's online rating, the desk's rating tablet
(kiosk), citizens' questions and reports, the desk's handling list, the public answers.

Views are thin: every change goes through feedback.services and every refusal arrives as
a DomainError whose Vietnamese message is shown as is (never a 500).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from motcua.catalog.models import Agency
from motcua.core import audit, ratelimit
from motcua.core.problems import DomainError
from motcua.dossiers import policy as dossier_policy
from motcua.dossiers import selectors as dossier_selectors
from motcua.dossiers.documents import QR_SEPARATOR
from motcua.dossiers.models import Dossier, Status
from motcua.feedback import policy, selectors, services
from motcua.feedback.models import (
    CRITERION_LEVELS,
    OPTIONAL_CRITERIA,
    RATING_CHANGE_DAYS,
    RATING_CRITERIA,
    Feedback,
)

KIOSK_COOKIE = "motcua_kiosk"
# Dossier codes a tablet may open per 10 minutes (a queue at the counter is far below it;
# trying codes one after another to learn their status is not), and feedback items a
# citizen may send per hour.
KIOSK_CODES_PER_10_MIN = 60
FEEDBACK_PER_HOUR = 10
KIOSK_PATH = "/mot-cua/danh-gia/"
PAGE_SIZE = 20


def _criteria(chosen: dict[str, object] | None = None) -> list[dict]:
    """The criteria with their levels, and what is chosen (a form sent back with an error
    keeps the citizen's choices)."""
    chosen = chosen or {}
    return [
        {
            "code": code,
            "label": label,
            "optional": code in OPTIONAL_CRITERIA,
            "chosen": str(chosen.get(code, "")),
            "levels": [(str(value), name) for value, name in CRITERION_LEVELS.items()],
        }
        for code, label in RATING_CRITERIA.items()
    ]


def _id(value: str | None) -> int | None:
    """A row id from a form: ASCII digits of a sane length, else None (never a 500 on
    "²", "٣" or four hundred nines)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _posted_scores(request) -> dict[str, str]:
    return {code: request.POST.get(f"tieu-chi-{code}", "") for code in RATING_CRITERIA}


# --- the applicant's online rating ---------------------------------------------------------


def _own_dossier(request, code: str) -> Dossier:
    """Only the applicant's own dossier; 404 for everyone else (as the portal does)."""
    if dossier_policy.officer_of(request.user) is not None:
        raise Http404
    dossier = dossier_selectors.visible_dossiers(request.user).filter(code=code).first()
    if dossier is None or not dossier_policy.is_owner(request.user, dossier):
        raise Http404
    return dossier


@login_required
def rate_online(request, code: str):
    dossier = _own_dossier(request, code)
    rating = selectors.own_rating(dossier)
    status, error = 200, ""
    chosen = rating.scores if rating else {}
    comment = rating.comment if rating else ""
    if request.method == "POST":
        chosen, comment = _posted_scores(request), request.POST.get("nhan-xet", "")
        try:
            _, created = services.rate_online(dossier, request.user, chosen, comment)
        except DomainError as exc:
            status, error = exc.status_code, exc.message
        else:
            messages.success(
                request,
                "Cảm ơn bạn đã đánh giá." if created else "Đã cập nhật đánh giá của bạn.",
            )
            return redirect("feedback:rate_online", code=dossier.code)
    return render(
        request,
        "feedback/rate_online.html",
        {
            "dossier": dossier,
            "rating": rating,
            "returned": dossier.status == Status.RETURNED,
            "criteria": _criteria(chosen),
            "comment": comment,
            "error": error,
            "change_days": RATING_CHANGE_DAYS,
            "editable": rating is None or rating.source == "online",
        },
        status=status,
    )


# --- the desk's tablet ----------------------------------------------------------------------


def _kiosk(request):
    return services.kiosk_for(request.COOKIES.get(KIOSK_COOKIE))


def kiosk_required(view):
    """Kiosk pages answer only to the tablet's secret; without it, the page that explains
    how an officer opens the tablet."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        kiosk = _kiosk(request)
        if kiosk is None:
            return render(request, "feedback/kiosk_closed.html", status=403)
        request.kiosk = kiosk
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def kiosk_open(request):
    """An officer turns this device into the rating tablet: the officer is logged out of
    it, so that the tablet holds nothing but the kiosk's secret."""
    if not policy.may_open_kiosk(request.user):
        raise PermissionDenied(
            "Chỉ cán bộ một cửa hoặc lãnh đạo được mở màn hình đánh giá tại quầy."
        )
    if request.method == "POST":
        kiosk, token = services.open_kiosk(request.user)
        logout(request)
        response = redirect("feedback:kiosk")
        response.set_cookie(
            KIOSK_COOKIE,
            token,
            max_age=services.KIOSK_HOURS * 3600,
            path=KIOSK_PATH,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
        return response
    return render(request, "feedback/kiosk_open.html", {"hours": services.KIOSK_HOURS})


@kiosk_required
def kiosk(request):
    error, status = "", 200
    if request.method == "POST":
        # A scanner reading the receipt's QR code types "code|procedure|ID number": only
        # the code is kept (the ID number goes nowhere).
        raw = request.POST.get("ma-ho-so", "").split(QR_SEPARATOR)[0]
        code = raw.strip().upper()[:64]
        if code:
            return redirect("feedback:kiosk_rate", code=code)
        error, status = "Vui lòng nhập mã hồ sơ ghi trên giấy tiếp nhận.", 400
    return render(
        request,
        "feedback/kiosk_home.html",
        {
            "kiosk": request.kiosk,
            "dossiers": selectors.kiosk_dossiers(request.kiosk),
            "error": error,
        },
        status=status,
    )


def _too_many(request, decision, template: str, context: dict):
    wait = ratelimit.wait_text(decision.retry_after)
    context["error"] = f"Quá nhiều lượt trong thời gian ngắn. Vui lòng thử lại sau {wait}."
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


@kiosk_required
def kiosk_rate(request, code: str):
    decision = ratelimit.hit("kiosk-code", str(request.kiosk.pk), KIOSK_CODES_PER_10_MIN, 600)
    if not decision.allowed:
        context = {"kiosk": request.kiosk, "dossier": None, "code": code}
        return _too_many(request, decision, "feedback/kiosk_rate.html", context)
    dossier = selectors.kiosk_dossier(request.kiosk, code)
    chosen: dict = {}
    comment = ""
    error, status = "", 200
    if request.method == "POST":
        chosen, comment = _posted_scores(request), request.POST.get("nhan-xet", "")
        try:
            services.rate_at_counter(request.kiosk, code, chosen, comment)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            return redirect("feedback:kiosk_thanks")
    elif dossier is None:
        error, status = f"Không tìm thấy hồ sơ {code} của cơ quan này.", 404
    elif dossier.status != Status.RETURNED:
        error, status = f"Hồ sơ {code} chưa được trả kết quả.", 409
    elif selectors.own_rating(dossier) is not None:
        error, status = f"Hồ sơ {code} đã được đánh giá. Xin cảm ơn.", 409
    return render(
        request,
        "feedback/kiosk_rate.html",
        {
            "kiosk": request.kiosk,
            "dossier": dossier if dossier and dossier.status == Status.RETURNED else None,
            "code": code,
            "criteria": _criteria(chosen),
            "comment": comment,
            "error": error,
        },
        status=status,
    )


@kiosk_required
def kiosk_thanks(request):
    return render(request, "feedback/kiosk_thanks.html", {"kiosk": request.kiosk})


@require_POST
def kiosk_close(request):
    kiosk_row = _kiosk(request)
    if kiosk_row is not None:
        services.close_kiosk(kiosk_row)
    response = redirect("feedback:kiosk")
    response.delete_cookie(KIOSK_COOKIE, path=KIOSK_PATH)
    return response


# --- citizens' questions and reports ------------------------------------------------------


def public_answers(request):
    query = request.GET.get("q", "").strip()[:200]
    page = Paginator(selectors.published(query), PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(
        request,
        "feedback/public_list.html",
        {"page": page, "query": query, "page_query": urlencode({"q": query}) if query else ""},
    )


@login_required
def submit(request):
    if dossier_policy.officer_of(request.user) is not None:
        raise PermissionDenied("Trang này dành cho công dân gửi phản ánh, kiến nghị.")
    own = list(
        Dossier.objects.filter(applicant=request.user)
        .select_related("procedure")
        .only("code", "procedure__name")
        .order_by("-submitted_at")[:50]
    )
    values = {
        "kind": request.GET.get("loai", Feedback.Kind.REPORT),
        "dossier_code": request.GET.get("ho-so", ""),
        "name": request.user.get_full_name(),
        "contact": request.user.email,
        "agency": "",
        "content": "",
        "consent": False,
    }
    error, status = "", 200
    if request.method == "POST":
        p = request.POST
        values = {
            "kind": p.get("loai", ""),
            "dossier_code": p.get("ho-so", ""),
            "name": p.get("ho-ten", ""),
            "contact": p.get("lien-he", ""),
            "agency": p.get("co-quan", ""),
            "content": p.get("noi-dung", ""),
            "consent": p.get("dong-y-cong-khai") == "1",
        }
        agency_id = _id(values["agency"])
        decision = ratelimit.hit("feedback", str(request.user.pk), FEEDBACK_PER_HOUR, 3600)
        if not decision.allowed:
            context = {"values": values, "kinds": Feedback.Kind.choices}
            context.update(
                agencies=selectors.agencies(), own=own, limit_days=services.limit_days("report")
            )
            return _too_many(request, decision, "feedback/submit.html", context)
        try:
            item = services.submit_feedback(
                request.user,
                services.Submission(
                    kind=values["kind"],
                    content=values["content"],
                    name=values["name"],
                    contact=values["contact"],
                    consent_publish=values["consent"],
                    dossier_code=values["dossier_code"],
                    agency_id=agency_id,
                ),
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            due = timezone.localtime(item.due_at)
            messages.success(request, f"Đã gửi. Cơ quan sẽ trả lời trước {due:%H:%M %d/%m/%Y}.")
            return redirect("feedback:mine")
    return render(
        request,
        "feedback/submit.html",
        {
            "values": values,
            "kinds": Feedback.Kind.choices,
            "agencies": selectors.agencies(),
            "own": own,
            "error": error,
            "limit_days": services.limit_days(Feedback.Kind.REPORT),
        },
        status=status,
    )


@login_required
def mine(request):
    page = Paginator(selectors.own_feedback(request.user), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    return render(request, "feedback/mine.html", {"page": page})


# --- the desk's handling ----------------------------------------------------------------


def handler_required(view):
    """Officers (and administrators) only; others get the Vietnamese 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if policy.visible_q(request.user) is None:
            raise PermissionDenied(
                "Trang này dành cho cán bộ, công chức. Tài khoản của bạn không có quyền truy cập."
            )
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@handler_required
def handling_list(request):
    which = request.GET.get("loc", "cho-tra-loi")
    if which not in selectors.QUEUE_FILTERS:
        which = "cho-tra-loi"
    now = timezone.now()
    page = Paginator(selectors.handling_list(request.user, which, now), 50).get_page(
        request.GET.get("trang")
    )
    for item in page:
        item.late = item.is_overdue(now)
    return render(
        request,
        "feedback/handling_list.html",
        {
            "page": page,
            "which": which,
            "filters": [(k, label) for k, (label, _) in selectors.QUEUE_FILTERS.items()],
            "overdue": selectors.overdue_count(request.user, now),
            "now": now,
        },
    )


PERSONAL_FIELDS = ["submitter_name", "submitter_contact", "content"]


@handler_required
def handling_item(request, pk: int):
    item = selectors.handled_item(request.user, pk)
    if item is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("thao-tac")
        try:
            item = _act(request, item, action)
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(request, DONE.get(action, "Đã lưu."))
            return redirect("feedback:handling_item", pk=item.pk)
    audit.record_read(request.user, "feedback", item.pk, PERSONAL_FIELDS)
    names = [item.submitter_name] + ([item.dossier.applicant_name] if item.dossier_id else [])
    return render(
        request,
        "feedback/handling_item.html",
        {
            "item": item,
            "now": timezone.now(),
            "overdue": item.is_overdue(timezone.now()),
            "can_assign": policy.can_assign(request.user, item),
            "can_answer": policy.can_answer(request.user, item),
            "can_publish": policy.can_publish(request.user, item),
            "agencies": selectors.agencies(),
            "officers": selectors.officers_of(item.agency_id),
            "draft_question": services.redact(item.content, names),
            "draft_answer": services.redact(item.answer, names),
            "posted_answer": request.POST.get("tra-loi", "") if request.method == "POST" else "",
            "error": error,
        },
        status=status,
    )


DONE = {
    "phan-cong": "Đã phân công xử lý.",
    "tra-loi": "Đã trả lời phản ánh, kiến nghị.",
    "cong-khai": "Đã công khai câu hỏi và trả lời trên trang Hỏi đáp.",
}


def _act(request, item: Feedback, action: str | None) -> Feedback:
    p = request.POST
    if action == "phan-cong":
        agency_id, user_id = _id(p.get("co-quan")), _id(p.get("can-bo"))
        agency = Agency.objects.filter(pk=agency_id).first() if agency_id else None
        assignee = User.objects.filter(pk=user_id).first() if user_id else None
        return services.assign(item, request.user, agency=agency, assignee=assignee)
    if action == "tra-loi":
        return services.answer(item, request.user, p.get("tra-loi", ""))
    if action == "cong-khai":
        return services.publish(
            item, request.user, p.get("cau-hoi-cong-khai", ""), p.get("tra-loi-cong-khai", "")
        )
    raise services.InvalidInput("Thao tác không hợp lệ.", code="unknown_action")


def handling_url(item: Feedback) -> str:
    return reverse("feedback:handling_item", args=[item.pk])
