import html
import unicodedata
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from motcua.dossiers.models import Channel, Status

register = template.Library()

URL_SAFE = "!$&'()*+,;=/~:@"  # what django.urls.reverse leaves unquoted
ROW_TIME_FORMAT = "%H:%M %d/%m/%Y"  # the |date:"H:i d/m/Y" of the other pages


@register.filter
def getfield(form, name: str):
    """form|getfield:"name": a bound field by a name held in a variable."""
    return form[name]


def _e(value: str) -> str:
    # Django's escape() without its SafeString per call: these are plain strings from the
    # database, escaped exactly as the template engine escapes them.
    return html.escape(value)


def _name(value: str, length: int = 90) -> str:
    # |truncatechars:90, without Truncator's per-character walk for the names that fit.
    if len(value) <= length:
        return unicodedata.normalize("NFC", value)
    return Truncator(value).chars(length)


def _when(value) -> str:
    return timezone.localtime(value).strftime(ROW_TIME_FORMAT)


@register.simple_tag
def queue_rows(page) -> SafeString:  # page of desk.selectors.QueueRow
    """The queue table's rows, written out in Python: fifty rows through the template
    engine were half of the page's CPU (8 columns, a URL, dates, labels per row). Every
    value is escaped; the markup is what desk/queue.html had."""
    # One reverse() for the page, the code quoted as reverse() quotes it.
    link = reverse("desk:dossier", args=["0"])[:-2]
    statuses = {value: esc(label) for value, label in Status.choices}
    channels = {value: esc(label) for value, label in Channel.choices}
    intake_due = esc(_("hạn tiếp nhận"))
    overdue_badge = f'<span class="badge badge-overdue">{esc(_("Quá hạn"))}</span>'
    rows = []
    for d in page:
        code = _e(d.code)
        href = f"{link}{_e(quote(d.code, safe=URL_SAFE))}/"
        overdue = d.is_overdue
        who = ""
        if d.assignee_id is not None:
            who = f"<br><small>{_e(d.assignee_name)}</small>"
        received = _when(d.received_at) if d.received_at else "—"
        due = d.due_at or d.intake_due_at
        if due is None:
            due_html = "—"
        else:
            due_html = _when(due)
            if d.due_at is None:
                due_html += f'<br><small class="muted">{intake_due}</small>'
        rows.append(
            f'<tr class="{"overdue" if overdue else ""}" data-code="{code}">\n'
            f'    <td><a href="{href}">{code}</a></td>\n'
            f'    <td><span class="muted">{_e(d.procedure_code)}</span> '
            f"{_e(_name(d.procedure_name))}</td>\n"
            f"    <td>{_e(d.applicant_name)}</td>\n"
            f'    <td><span class="badge status-{_e(d.status)}">{statuses[d.status]}</span></td>\n'
            f"    <td>{channels[d.channel]}</td>\n"
            f"    <td>{_e(d.holder_name or '')}{who}</td>\n"
            f"    <td>{received}</td>\n"
            f"    <td>\n      {due_html}\n      {overdue_badge if overdue else ''}\n    </td>\n"
            "  </tr>\n"
        )
    return SafeString("".join(rows))
