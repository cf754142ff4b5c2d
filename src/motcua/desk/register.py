"""The desk's page for form 07, Sổ theo dõi hồ sơ: a unit's register for a period, as
A4 landscape PDF or .xlsx (TT 03/2025/TT-VPCP)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.models import Officer
from motcua.core.dates import VnDateField
from motcua.core.problems import InvalidInput
from motcua.desk.views import officer_required
from motcua.dossiers import documents, services
from motcua.dossiers.models import Dossier, DossierAccess

MAX_DAYS = 366  # a year's register at most per download
REGISTER_FIELDS = ["applicant_name", "applicant_address", "applicant_phone"]
FORMATS = [("pdf", gettext_lazy("PDF (A4 ngang, để in)")), ("xlsx", gettext_lazy("Excel (.xlsx)"))]


def _book_key(book: documents.RegisterBook) -> str:
    return f"c{book.centre.pk}" if book.centre is not None else f"a{book.agency.pk}"


class RegisterForm(forms.Form):
    book = forms.ChoiceField(label=gettext_lazy("Đơn vị"))
    start = VnDateField(label=gettext_lazy("Từ ngày"))
    end = VnDateField(label=gettext_lazy("Đến ngày"))
    format = forms.ChoiceField(
        label=gettext_lazy("Định dạng"), choices=FORMATS, widget=forms.RadioSelect
    )

    def __init__(self, *args, books: list[documents.RegisterBook], **kwargs):
        super().__init__(*args, **kwargs)
        self.books = {_book_key(b): b for b in books}
        self.fields["book"].choices = [(k, b.name) for k, b in self.books.items()]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(
                    _("Mỗi lần in tối đa %(n)s ngày.") % {"n": MAX_DAYS}, code="too_long"
                )
        return data


@officer_required
def register(request):
    """GET only: the form, or, once filled in, the register itself. Desk officers and
    leaders see the books of the units serving their agency; every dossier listed is
    logged as a read of the applicant's data."""
    officer = request.officer
    if officer.role not in (Officer.Role.DESK, Officer.Role.LEADER):
        raise PermissionDenied(_("Sổ theo dõi hồ sơ dành cho cán bộ một cửa và lãnh đạo."))
    books = documents.register_books(officer.agency)
    today = timezone.localdate()
    if "book" not in request.GET:
        form = RegisterForm(
            books=books,
            initial={
                "book": _book_key(books[0]),
                "start": today.replace(day=1),
                "end": today,
                "format": "pdf",
            },
        )
        return render(request, "desk/register.html", {"form": form})
    form = RegisterForm(request.GET, books=books)
    if not form.is_valid():
        return render(request, "desk/register.html", {"form": form}, status=400)
    book = form.books[form.cleaned_data["book"]]
    start: dt.date = form.cleaned_data["start"]
    end: dt.date = form.cleaned_data["end"]
    name = f"so-theo-doi-{start:%Y%m%d}-{end:%Y%m%d}"
    try:
        if form.cleaned_data["format"] == "xlsx":
            response = documents.xlsx_response(
                documents.register_xlsx(book, start, end), name + ".xlsx"
            )
        else:
            response = documents.pdf_response(
                documents.register_pdf(book, start, end), name + ".pdf"
            )
    except InvalidInput as exc:  # too many lines for a PDF: the officer picks again
        form.add_error(None, exc.message)
        return render(request, "desk/register.html", {"form": form}, status=400)
    # What the file shows is logged as read (one entry, an access row per dossier).
    entries = documents.register_entries(book, start, end)
    listed = [
        Dossier(pk=pk, code=code) for pk, code in entries.values_list("dossier_id", "dossier__code")
    ]
    services.record_reads(
        request.user,
        listed,
        via=DossierAccess.Via.PDF,
        fields=REGISTER_FIELDS,
        page="desk.register",
    )
    return response
