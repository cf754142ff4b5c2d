"""Login (password, then a TOTP code when the account has or needs one), enrolment with a
QR code, the account page and password change. Thin: changes go through services."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils.encoding import force_bytes, force_str
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from joserfc.errors import JoseError
from rest_framework.authtoken.models import Token

from motcua.accounts import forms, selectors, services, twofactor, vneid
from motcua.accounts.tokens import activation_token
from motcua.core import audit, ratelimit
from motcua.core.problems import DomainError

LOCAL_LOGIN_OFF = "Công dân đăng nhập bằng tài khoản định danh điện tử VNeID."
VNEID_NEXT = "motcua_vneid_next"  # session key: where to go after the VNeID callback


def _next_url(request, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("home")


def _second_step(request, next_url: str) -> HttpResponseRedirect:
    step = "accounts:verify" if twofactor.confirmed_device(request.user) else "accounts:enrol"
    return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': next_url})}")


def _verified(request, device) -> None:
    otp_login(request, device)
    request.session.pop(twofactor.PENDING, None)
    # A new privilege level, a new session id.
    request.session.cycle_key()


# Why a page sent the visitor to log in, by the name of the page they asked for.
LOGIN_REASONS = {
    "submit": (
        "Để nộp hồ sơ trực tuyến, bạn cần đăng nhập. Hồ sơ được gắn với tài khoản của bạn "
        "để bạn theo dõi tiến độ, bổ sung giấy tờ và nhận kết quả; họ tên và số định danh "
        "được điền sẵn."
    ),
    "my_dossiers": "Đăng nhập để xem các hồ sơ bạn đã nộp.",
    "my_dossier_detail": "Đăng nhập để xem hồ sơ của bạn: chỉ người nộp mới xem được.",
    "account": "Đăng nhập để xem và quản lý tài khoản của bạn.",
    "api_tokens": "Đăng nhập để quản lý mã truy cập API của bạn.",
}
DESK_REASON = "Trang làm việc của cán bộ, công chức: vui lòng đăng nhập bằng tài khoản cán bộ."


def login_reason(next_url: str) -> str:
    """A sentence for the login page when a page that needs an account sent the visitor
    here; empty for a login the visitor chose (the header's link to a public page)."""
    if not next_url.startswith("/"):
        return ""
    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return ""
    if match.namespace == "desk":
        return DESK_REASON
    if match.namespace == "admin":
        return ""
    return LOGIN_REASONS.get(match.url_name or "", "")


class LoginView(auth_views.LoginView):
    """Django's login (AuthenticationForm calls authenticate(request=...), which the login
    throttle hooks into), then the second step when the account has or needs a device."""

    def get_initial(self):
        # The confirmation link lands here with the new account's login name.
        return {"username": self.request.GET.get("username", "")[:150]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["why"] = login_reason(self.request.GET.get("next", ""))
        context["signup"] = settings.MOTCUA_LOCAL_SIGNUP and settings.MOTCUA_LOCAL_CITIZEN_LOGIN
        context["vneid"] = vneid.enabled()
        context["local_citizen_login"] = settings.MOTCUA_LOCAL_CITIZEN_LOGIN
        context["local_login_off"] = LOCAL_LOGIN_OFF
        return context

    def get_default_redirect_url(self):
        # Officers start their day on their queue; citizens on the home page.
        if hasattr(self.request.user, "officer"):  # the reverse one-to-one, no import
            return reverse("desk:queue")
        return super().get_default_redirect_url()

    def form_valid(self, form):
        user = form.get_user()
        if not settings.MOTCUA_LOCAL_CITIZEN_LOGIN and not twofactor.is_officer_or_staff(user):
            form.add_error(None, LOCAL_LOGIN_OFF)
            return self.form_invalid(form)
        response = super().form_valid(form)
        if twofactor.needs_verification(self.request):
            return _second_step(self.request, self.get_success_url())
        return response


@login_required
def verify(request):
    if not twofactor.needs_verification(request):
        return redirect(_next_url(request))
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return _second_step(request, _next_url(request))
    using_recovery = "recovery_code" in request.POST
    form = forms.TokenForm(device, None if using_recovery else (request.POST or None))
    recovery_form = forms.RecoveryCodeForm(request.user, request.POST if using_recovery else None)
    if request.method == "POST":
        if not using_recovery and form.is_valid():
            _verified(request, device)
            return redirect(_next_url(request))
        if using_recovery and recovery_form.is_valid():
            _verified(request, recovery_form.device)
            left = services.recovery_codes_left(request.user)
            messages.warning(
                request,
                f"Bạn vừa dùng một mã khôi phục; còn {left} mã. Nếu mất ứng dụng xác thực, "
                "hãy liên hệ quản trị viên để đăng ký lại, rồi tạo bộ mã khôi phục mới.",
            )
            return redirect(_next_url(request))
        services.record_failed_code(request.user, "recovery" if using_recovery else "login")
    context = {
        "form": form,
        "recovery_form": recovery_form,
        "using_recovery": using_recovery,
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/verify.html", context)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    # Our own markup from a fixed generator: safe to inline (no script, no style).
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308


def _grouped(key: bytes) -> str:
    secret = base64.b32encode(key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def enrol(request):
    user = request.user
    if twofactor.confirmed_device(user) is not None:
        messages.info(request, "Tài khoản đã bật xác thực hai bước.")
        return redirect(_next_url(request, reverse("accounts:account")))
    device = services.start_totp_enrolment(user)
    form = forms.TokenForm(device, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.confirm_totp_enrolment(user, device)
            _verified(request, device)
            messages.success(request, "Đã bật xác thực hai bước cho tài khoản.")
            # Shown once, on this response: the codes are never put in a session or a URL.
            return _show_recovery_codes(
                request, services.issue_recovery_codes(user), _next_url(request, "")
            )
        services.record_failed_code(user, "enrol")
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "manual_key": _grouped(device.bin_key),
        "required": twofactor.must_use_second_factor(user),
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/enrol.html", context)


def _show_recovery_codes(request, codes: list[str], next_url: str):
    context = {
        "codes": [services.format_recovery_code(c) for c in codes],
        "next": next_url or reverse("accounts:account"),
    }
    response = render(request, "accounts/recovery_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recovery_codes(request):
    """A new set of recovery codes (the old set stops working), against a current code
    from the app: a session left open on a shared computer cannot take them."""
    user = request.user
    device = twofactor.confirmed_device(user)
    if device is None:
        return redirect("accounts:account")
    form = forms.TokenForm(device, request.POST)
    if not form.is_valid():
        services.record_failed_code(user, "recovery_codes")
        messages.error(request, " ".join(form.errors.get("otp_token", [])))
        return redirect("accounts:account")
    messages.success(request, "Đã tạo bộ mã khôi phục mới; các mã cũ không còn dùng được.")
    return _show_recovery_codes(request, services.issue_recovery_codes(user), "")


def vneid_start(request):
    """Off to VNeID's authorize page (Authlib keeps state, nonce and the PKCE verifier in
    the session). A link, not a form: the CSP's form-action does not allow another origin."""
    if not vneid.enabled():
        raise Http404
    request.session[VNEID_NEXT] = _next_url(request)
    redirect_uri = settings.MOTCUA_VNEID_REDIRECT_URI or request.build_absolute_uri(
        reverse("vneid_callback")
    )
    try:
        return vneid.client().authorize_redirect(request, redirect_uri)
    except (requests.RequestException, ValueError, KeyError, RuntimeError):
        messages.error(request, VNEID_DOWN)
        return redirect("login")


def vneid_callback(request):
    if not vneid.enabled():
        raise Http404
    try:
        token = vneid.client().authorize_access_token(
            request, claims_options=vneid.claims_options()
        )
    except AuthlibBaseError as exc:
        # The citizen cancelled on VNeID's page, the state is not this session's, or the
        # token endpoint refused the code (replayed, expired, wrong PKCE verifier).
        denied = getattr(exc, "error", "") == "access_denied"
        messages.error(request, VNEID_CANCELLED if denied else VNEID_FAILED)
        return redirect("login")
    except JoseError:
        # Bad signature, foreign key, wrong issuer or audience, expired, replayed nonce.
        messages.error(request, VNEID_FAILED)
        return redirect("login")
    except (requests.RequestException, ValueError, KeyError, TypeError, RuntimeError):
        messages.error(request, VNEID_DOWN)
        return redirect("login")
    claims = token.get("userinfo")
    if not claims:  # no ID token: nothing vouches for who this is
        messages.error(request, VNEID_FAILED)
        return redirect("login")
    try:
        user = services.vneid_login(dict(claims))
    except services.VneidRefused as exc:
        messages.error(request, str(exc))
        return redirect("login")
    next_url = request.session.pop(VNEID_NEXT, "") or reverse("home")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if twofactor.needs_verification(request):
        return _second_step(request, next_url)
    return redirect(next_url)


VNEID_DOWN = "Chưa kết nối được với VNeID. Vui lòng thử lại sau ít phút."
VNEID_FAILED = "Đăng nhập bằng VNeID không thành công. Vui lòng thử lại."
VNEID_CANCELLED = "Bạn đã hủy đăng nhập bằng VNeID."


@login_required
def account(request):
    user = request.user
    identity = selectors.identity_of(user)
    officer = twofactor.is_officer_or_staff(user)
    identity_form = None
    if identity is None and not officer:
        identity_form = forms.IdentityForm(
            request.POST or None, initial={"full_name": user.get_full_name()}
        )
        if request.method == "POST" and identity_form.is_valid():
            try:
                services.declare_identity(user, **identity_form.cleaned_data)
            except DomainError as exc:
                identity_form.add_error(None, exc.message)
            else:
                messages.success(request, "Đã gắn số định danh cá nhân với tài khoản.")
                return redirect("accounts:account")
    context = {
        "identity": identity,
        "identity_form": identity_form,
        "device": twofactor.confirmed_device(user),
        "recovery_left": services.recovery_codes_left(user),
        "required": twofactor.must_use_second_factor(user),
        "officer": officer,
        "idle_minutes": settings.MOTCUA_OFFICER_IDLE_MINUTES,
    }
    status = 400 if identity_form is not None and identity_form.errors else 200
    return render(request, "accounts/account.html", context, status=status)


@login_required
@require_POST
def disable(request):
    user = request.user
    if twofactor.must_use_second_factor(user):
        messages.error(request, "Cán bộ, quản trị viên bắt buộc dùng xác thực hai bước.")
        return redirect("accounts:account")
    device = twofactor.confirmed_device(user)
    if device is None:
        return redirect("accounts:account")
    form = forms.TokenForm(device, request.POST)
    if form.is_valid():
        services.remove_totp(user)
        request.session.pop(twofactor.PENDING, None)
        messages.success(request, "Đã tắt xác thực hai bước.")
    else:
        services.record_failed_code(user, "disable")
        messages.error(request, " ".join(form.errors.get("otp_token", [])))
    return redirect("accounts:account")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Đã đổi mật khẩu.")
        return response


# --- sign-up with e-mail confirmation, password reset (MOTCUA_LOCAL_SIGNUP) ------------

SIGNUP_THROTTLED = "Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau {wait}."


def _signup_enabled() -> None:
    if not (settings.MOTCUA_LOCAL_SIGNUP and settings.MOTCUA_LOCAL_CITIZEN_LOGIN):
        raise Http404


def _throttled(request):
    """Each sign-up or reset request sends an e-mail: counted per client address."""
    decision = ratelimit.hit(
        "signup-mail", ratelimit.client_ip(request), settings.MOTCUA_SIGNUP_LIMIT, 3600
    )
    return None if decision.allowed else decision


def _send_confirmation(request, user) -> None:
    context = {
        "user": user,
        "link": request.build_absolute_uri(
            reverse(
                "signup_confirm",
                args=[
                    urlsafe_base64_encode(force_bytes(user.pk)),
                    activation_token.make_token(user),
                ],
            )
        ),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    send_mail(
        render_to_string("registration/signup_email_subject.txt", context).strip(),
        render_to_string("registration/signup_email.txt", context),
        None,
        [user.email],
    )


def signup(request):
    _signup_enabled()
    if request.user.is_authenticated:
        return redirect("home")
    form = forms.SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        refused = _throttled(request)
        if refused is not None:
            form.add_error(
                None, SIGNUP_THROTTLED.format(wait=ratelimit.wait_text(refused.retry_after))
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                user = services.sign_up(
                    username=data["username"],
                    full_name=data["full_name"],
                    email=data["email"],
                    password=data["password1"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                _send_confirmation(request, user)
                request.session["motcua_signup_email"] = user.email
                return redirect("signup_sent")
        else:
            status = 400
    return render(request, "registration/signup.html", {"form": form}, status=status)


def signup_sent(request):
    _signup_enabled()
    email = request.session.get("motcua_signup_email", "")
    return render(request, "registration/signup_sent.html", {"email": email})


def signup_confirm(request, uidb64: str, token: str):
    _signup_enabled()
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not activation_token.check_token(user, token):
        return render(request, "registration/signup_invalid.html", status=400)
    services.confirm_email(user)
    messages.success(request, "Đã xác nhận thư điện tử. Mời bạn đăng nhập.")
    return redirect(f"{reverse('login')}?{urlencode({'username': user.username})}")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def dispatch(self, request, *args, **kwargs):
        _signup_enabled()
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        refused = _throttled(self.request)
        if refused is not None:
            form.add_error(
                None, SIGNUP_THROTTLED.format(wait=ratelimit.wait_text(refused.retry_after))
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def dispatch(self, request, *args, **kwargs):
        _signup_enabled()
        return super().dispatch(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "registration/password_reset_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        _signup_enabled()
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        with transaction.atomic():
            audit.record("password_reset", "auth.User", form.user.pk, actor=form.user, data={})
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"

    def dispatch(self, request, *args, **kwargs):
        _signup_enabled()
        return super().dispatch(request, *args, **kwargs)


# --- API tokens on the user's own page ---------------------------------------------------


@login_required
def api_tokens(request):
    """Create, rotate or revoke one's own API key. The key is shown once, in the answer to
    the POST that made it (never in a redirect, a message cookie or a later page)."""
    new_key = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            new_key = services.issue_token(request.user).key
        elif action == "revoke":
            if services.revoke_token(request.user):
                messages.success(request, "Đã thu hồi mã truy cập API: mã cũ không còn dùng được.")
            return redirect("accounts:api_tokens")
        else:
            messages.error(request, "Thao tác không hợp lệ.")
            return redirect("accounts:api_tokens")
    token = Token.objects.filter(user=request.user).first()
    response = render(
        request,
        "accounts/api_tokens.html",
        {"token": token, "new_key": new_key, "suffix": token.key[-4:] if token else ""},
    )
    if new_key:
        response["Cache-Control"] = "no-store"
    return response
