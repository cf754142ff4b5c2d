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
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from joserfc.errors import JoseError

from motcua.accounts import forms, selectors, services, twofactor, vneid
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


def _verified(request, device: TOTPDevice) -> None:
    otp_login(request, device)
    request.session.pop(twofactor.PENDING, None)
    # A new privilege level, a new session id.
    request.session.cycle_key()


class LoginView(auth_views.LoginView):
    """Django's login (AuthenticationForm calls authenticate(request=...), which the login
    throttle hooks into), then the second step when the account has or needs a device."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
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
    form = forms.TokenForm(device, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            _verified(request, device)
            return redirect(_next_url(request))
        services.record_failed_code(request.user, "login")
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request, "")})


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
            return redirect(_next_url(request, reverse("accounts:account")))
        services.record_failed_code(user, "enrol")
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "manual_key": _grouped(device.bin_key),
        "required": twofactor.must_use_second_factor(user),
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/enrol.html", context)


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
