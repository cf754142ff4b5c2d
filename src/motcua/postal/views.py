"""Pages of the postal app: the desk sends a result by post and prints the handover
record; the submission form asks for the fee of the commune chosen (htmx fragment)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.core.problems import DomainError
from motcua.dossiers import documents as dossier_documents
from motcua.dossiers import policy, selectors
from motcua.postal import documents, services
from motcua.postal.models import PostalOrder


def officer_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if policy.officer_of(request.user) is None:
            raise PermissionDenied(_("Trang này dành cho cán bộ, công chức."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@officer_required
@require_POST
def send(request, code: str):
    dossier = selectors.dossier_for(request.user, code)
    try:
        order = services.create_outbound_order(dossier, request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Đã tạo đơn gửi kết quả qua bưu chính %(reference)s; mã vận đơn sẽ có khi bưu điện "
              "nhận đơn.") % {"reference": order.reference},
        )  # fmt: skip
    return redirect("desk:dossier", code=code)


@officer_required
def handover(request, code: str, reference: str):
    """The handover record of an outbound order that has its tracking number."""
    dossier = selectors.dossier_for(request.user, code)
    order = get_object_or_404(
        PostalOrder.objects.select_related("dossier__procedure", "dossier__agency", "unit__parent"),
        dossier=dossier,
        reference=reference,
        direction=PostalOrder.Direction.OUTBOUND,
    )
    if not order.tracking_number:
        raise Http404
    name = request.user.get_full_name() or request.user.username
    return dossier_documents.pdf_response(
        documents.handover_pdf(order, name), f"bien-ban-ban-giao-{order.tracking_number}.pdf"
    )


@require_GET
def quote_fragment(request):
    """The fee for the commune chosen on a submission form, as a sentence (htmx swaps it
    in); a sentence saying why when there is none."""
    code = request.GET.get("return_unit", "")
    context = {"answer": None, "error": ""}
    if code:
        try:
            answer = services.quote(code)
            context.update(answer=answer, fee=dossier_documents.format_vnd(answer.quote.fee_vnd))
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "postal/_quote.html", context)
