"""The citizen's payment pages: the summary before leaving for the platform, and the
return page. The notification (webhooks.py), not the return, is what records a payment;
the return page only asks the platform once when the notification is not in yet."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from motcua.core.problems import DomainError
from motcua.dossiers import policy, selectors
from motcua.dossiers.models import Dossier
from motcua.payments import platform, services
from motcua.payments import selectors as payment_selectors
from motcua.payments.models import Payment


def _own(request, code: str) -> Dossier:
    dossier = selectors.visible_dossiers(request.user).filter(code=code).first()
    if dossier is None or not policy.is_owner(request.user, dossier):
        raise Http404
    return dossier


def _notify_url(request) -> str:
    return settings.MOTCUA_PAYMENT_NOTIFY_URL or request.build_absolute_uri(
        "/api/v1/payments/notify/"
    )


@login_required
def pay(request, code: str):
    dossier = _own(request, code)
    view = payment_selectors.for_applicant(dossier)
    if request.method == "POST":
        try:
            url = services.start_checkout(
                dossier,
                request.user,
                return_url=request.build_absolute_uri(reverse("payments:return", args=[code])),
                notify_url=_notify_url(request),
            )
        except (DomainError, platform.NotConfigured) as exc:
            messages.error(request, getattr(exc, "message", _("Chưa thanh toán trực tuyến được.")))
            return redirect("my_dossier_detail", code=code)
        return redirect(url)
    if view is None or not view.can_pay:
        return redirect("my_dossier_detail", code=code)
    response = render(request, "payments/pay.html", {"dossier": dossier, "payment": view})
    # The form leaves for the platform (a redirect after the POST): allowed there only.
    origin = urlsplit(settings.MOTCUA_PAYGOV_URL)
    if origin.scheme and origin.netloc:
        response._csp_update = {"form-action": [f"{origin.scheme}://{origin.netloc}"]}
    return response


@login_required
def payment_return(request, code: str):
    dossier = _own(request, code)
    order_id = request.GET.get("order_id", "")
    payment = Payment.objects.filter(dossier=dossier, order_id=order_id).first()
    if payment is None:
        raise Http404
    payment = services.check_one(payment)
    dossier.refresh_from_db()
    return render(request, "payments/return.html", {"dossier": dossier, "p": payment})
