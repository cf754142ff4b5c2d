"""Officer sessions end after inactivity; a session that still owes its second factor may
only reach the pages that collect it."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from motcua.accounts import twofactor

# Refresh the stored timestamp at most this often: a session write per request is waste.
LAST_SEEN_GRANULARITY = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and twofactor.is_officer_or_staff(user):
            now = int(time.time())
            last = request.session.get(twofactor.LAST_SEEN)
            minutes = settings.MOTCUA_OFFICER_IDLE_MINUTES
            if isinstance(last, int) and now - last > minutes * 60:
                logout(request)
                messages.warning(
                    request,
                    f"Phiên làm việc đã kết thúc do không hoạt động quá {minutes} phút. "
                    "Vui lòng đăng nhập lại.",
                )
                if not request.path_info.startswith("/api/"):
                    return redirect_to_login(request.get_full_path())
            elif not isinstance(last, int) or now - last >= LAST_SEEN_GRANULARITY:
                request.session[twofactor.LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            names = ("login", "logout", "accounts:verify", "accounts:enrol")
            self._open_paths = tuple(reverse(name) for name in names)
        return self._open_paths

    def __call__(self, request):
        if twofactor.needs_verification(request) and not self.is_open(request.path_info):
            return self.refuse(request)
        return self.get_response(request)

    def is_open(self, path: str) -> bool:
        return path in self.open_paths() or path.startswith(settings.STATIC_URL)

    def refuse(self, request):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Không có quyền",
                    "status": 403,
                    "detail": "Phiên đăng nhập chưa xác thực hai bước. "
                    "Hãy nhập mã xác thực trên trang đăng nhập trước khi dùng API.",
                    "code": "second_factor_required",
                },
                status=403,
                content_type="application/problem+json",
                json_dumps_params={"ensure_ascii": False},
            )
        user = request.user
        step = "accounts:verify" if twofactor.confirmed_device(user) else "accounts:enrol"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(step)}?{query}")
