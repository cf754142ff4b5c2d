import html
import unicodedata

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import render_value_in_context
from django.template.loader import render_to_string
from django.urls import get_urlconf, reverse
from django.utils import timezone
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motcua.desk.forms import UnboundFilterForm
from motcua.desk.links import dossier_href
from motcua.dossiers.models import Channel, Status

register = template.Library()


@register.filter
def getfield(form, name: str):
    """form|getfield:"name": a bound field by a name held in a variable."""
    return form[name]


FIELD_TEMPLATE = "includes/field.html"


@register.simple_tag
def field_block(field) -> SafeString:
    """What {% include "includes/field.html" %} writes for this bound field, written in
    Python: the queue's filter form includes it twelve times, and the template engine's
    work around each (cheap) widget was a tenth of the page's CPU. Radio groups still go
    through the template. tests/desk/test_field_block.py compares both for every field
    kind, bound and unbound, with errors, help texts and hostile labels."""
    if field.widget_type == "radioselect":
        return SafeString(render_to_string(FIELD_TEMPLATE, {"field": field}))
    errors = field.errors
    required = field.field.required
    classes = "field has-error" if errors else "field"
    if required:
        classes += " required"
    label = esc(field.label)
    star = ' <span class="req" aria-hidden="true">*</span>' if required else ""
    help_text = field.help_text
    help_html = (
        f'<p class="help" id="{esc(field.auto_id)}_helptext">{esc(help_text)}</p>'
        if help_text
        else ""
    )
    error_html = "".join(f'<p class="field-error" role="alert">{esc(e)}</p>' for e in errors)
    return SafeString(
        f'<div class="{classes}">\n  \n'
        f'  <label for="{esc(field.id_for_label)}">{label}{star}</label>\n'
        f"  {field}\n  \n"
        f"  {help_html}\n"
        f"  {error_html}\n"
        "</div>\n"
    )


FILTERS_TEMPLATE = "desk/includes/queue_filters.html"
_MAX_FILTER_FORMS = 1024  # distinct (language, officers, fields) kept; then start again
_filter_forms: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget_filter_forms(**kwargs) -> None:
    _filter_forms.clear()


def _filters_key(form) -> tuple | None:
    """Everything the unbound queue form's markup depends on: its class (labels, widgets,
    the status, channel and step choices), the language (translations), the URL
    configuration, and the two lists read per page (fields, the agency's officers). A
    bound form, or one with a prefix, initial values or other ids, is not kept.
    (desk.forms.UnboundFilterForm: the default form, not built yet.)"""
    if isinstance(form, UnboundFilterForm):
        return (form.form_class, get_language(), get_urlconf(), form.choice_key)
    if form.is_bound or form.initial or form.prefix or form.auto_id != "id_%s":
        return None
    return (type(form), get_language(), get_urlconf(), form.choice_key)


@register.simple_tag(takes_context=True)
def queue_filters(context, form, filtered) -> SafeString:
    """desk/includes/queue_filters.html for this form (the queue's search and filters),
    the unbound form's markup rendered once per _filters_key and reused: most queue views
    have no filter, and the form's twelve fields, 58 options, labels and translations
    were a tenth of the page's CPU. tests/desk/test_queue_filters.py compares it with the
    template rendered directly."""
    key = _filters_key(form)
    if key is not None and not filtered:
        html = _filter_forms.get(key)
        if html is not None:
            return SafeString(html)
    if isinstance(form, UnboundFilterForm):
        form = form.form
    template_ = context.template.engine.get_template(FILTERS_TEMPLATE)
    html = template_.render(context.new({"form": form, "filtered": filtered}))
    if key is not None and not filtered:
        if len(_filter_forms) >= _MAX_FILTER_FORMS:
            _filter_forms.clear()
        _filter_forms[key] = html
    return SafeString(html)


_MAX_KEPT = 1024  # kept fragments; then start again
_kept: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget_kept(**kwargs) -> None:
    _kept.clear()


class KeptNode(template.Node):
    def __init__(self, nodelist, keys) -> None:
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context) -> str:
        key = (
            self,
            get_language(),
            get_urlconf(),
            context.autoescape,
            *(k.resolve(context) for k in self.keys),
        )
        html = _kept.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_kept) >= _MAX_KEPT:
                _kept.clear()
            _kept[key] = html
        return html


@register.tag
def kept(parser, token) -> KeptNode:
    """{% kept value ... %}markup{% endkept %}: the markup rendered once per language, URL
    configuration and the values named (e.g. the officer's role), then written as it was,
    for fragments of a page that depend on nothing else: translations and {% url %}s read
    on every view were a tenth of the queue's template time. Never around anything of the
    request (a CSRF token, a date, a count); tests/desk/test_queue_markup.py renders the
    page with and without the tag."""
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, keys)


TABS_TEMPLATE = "desk/includes/queue_tabs.html"


@register.simple_tag(takes_context=True)
def queue_tabs(context) -> SafeString:
    """desk/includes/queue_tabs.html (the tabs by status with their counts), written in
    Python: through the template engine its loop, conditions and 20 values were a tenth of
    the page's template time. Each value is rendered as the engine renders it;
    tests/desk/test_queue_markup.py compares both."""

    def v(value) -> str:
        return render_value_in_context(value, context)

    def current(yes) -> str:
        return 'aria-current="true"' if yes else ""

    status = context.get("status")
    out = [
        f'<nav class="status-filter no-print" aria-label="{esc(_("Lọc theo trạng thái"))}">\n'
        "  <ul>\n"
        f'    <li><a href="{esc(reverse("desk:queue"))}" {current(context.get("all_tab"))}>'
        f'{esc(_("Tất cả"))} <span class="count">{v(context.get("total"))}</span></a></li>\n'
    ]
    for value, label, n in context.get("status_counts") or ():
        out.append(
            "    \n"
            f'    <li><a href="?trang_thai={v(value)}" {current(status == value)} '
            f'data-status="{v(value)}">{v(label)} <span class="count">{v(n)}</span></a></li>\n'
        )
    out.append(
        "    \n"
        f'    <li><a href="?qua_han=1" class="overdue-filter" {current(context.get("overdue"))}>'
        f'{esc(_("Quá hạn"))} <span class="count">{v(context.get("overdue_count"))}</span>'
        "</a></li>\n"
        f'    <li><a href="?cua_toi=1" {current(context.get("mine"))}>{esc(_("Giao cho tôi"))} '
        f'<span class="count">{v(context.get("mine_count"))}</span></a></li>\n'
        "  </ul>\n"
        "</nav>\n"
    )
    return SafeString("".join(out))


PAGINATION_TEMPLATE = "includes/pagination.html"


@register.simple_tag(takes_context=True)
def queue_pagination(context) -> SafeString:
    """{% include "includes/pagination.html" %} for the queue's `page` and `query`, written
    in Python (its conditions, numbers and translations were 7 % of the queue's template
    time); tests/desk/test_queue_markup.py compares both."""

    def v(value) -> str:
        return render_value_in_context(value, context)

    page = context.get("page")
    pages = page.paginator.num_pages
    if not pages > 1:
        return SafeString("\n")
    query = context.get("query")
    before = f"{v(query)}&amp;" if query else ""
    out = [f'\n<nav class="pagination" aria-label="{esc(_("Phân trang"))}">\n  ']
    if page.has_previous():
        out.append(
            f'\n    <a href="?{before}trang={v(page.previous_page_number())}" rel="prev">'
            f"{esc(_('‹ Trang trước'))}</a>\n  "
        )
    numbers = {"n": v(page.number), "total": v(pages)}
    out.append(f"\n  <span>{_('Trang %(n)s/%(total)s') % numbers}</span>\n  ")
    if page.has_next():
        out.append(
            f'\n    <a href="?{before}trang={v(page.next_page_number())}" rel="next">'
            f"{esc(_('Trang sau ›'))}</a>\n  "
        )
    out.append("\n</nav>\n\n")
    return SafeString("".join(out))


def _e(value: str) -> str:
    # Django's escape() without its SafeString per call: these are plain strings from the
    # database, escaped exactly as the template engine escapes them.
    return html.escape(value)


def _name(value: str, length: int = 90) -> str:
    # |truncatechars:90, without Truncator's per-character walk for the names that fit.
    if len(value) <= length:
        return unicodedata.normalize("NFC", value)
    return Truncator(value).chars(length)


def _when(value, tz) -> str:
    """|date:"H:i d/m/Y" of an aware datetime in `tz` (by % formatting: strftime was a
    tenth of the rows' time)."""
    t = value.astimezone(tz)
    # (% formatting: twice an f-string's speed)
    return "%02d:%02d %02d/%02d/%04d" % (t.hour, t.minute, t.day, t.month, t.year)  # noqa: UP031


@register.filter
def queue_time(value) -> str:
    """{{ value|queue_time }}: {{ value|date:"H:i d/m/Y" }} of an aware datetime, in the
    current time zone."""
    return _when(value, timezone.get_current_timezone())


_row_labels: dict[str, tuple] = {}  # language -> the rows' labels, escaped


@receiver(setting_changed)
def _forget_row_labels(**kwargs) -> None:
    _row_labels.clear()


def _labels() -> tuple[dict, dict, str, str]:
    """Status badges, channel labels, "hạn tiếp nhận" and the overdue badge in the current
    language, escaped (translated once per language, not 30 times a page)."""
    language = get_language()
    labels = _row_labels.get(language)
    if labels is None:
        labels = _row_labels[language] = (
            {
                value: f'<span class="badge status-{esc(value)}">{esc(label)}</span>'
                for value, label in Status.choices
            },
            {value: esc(label) for value, label in Channel.choices},
            esc(_("hạn tiếp nhận")),
            f'<span class="badge badge-overdue">{esc(_("Quá hạn"))}</span>',
        )
    return labels


@register.simple_tag
def queue_rows(page) -> SafeString:  # page of desk.selectors.QueueRow
    """The queue table's rows, written out in Python: fifty rows through the template
    engine were half of the page's CPU (8 columns, a URL, dates, labels per row). Every
    value is escaped; the markup is what desk/queue.html had."""
    href_of = dossier_href()
    statuses, channels, intake_due, overdue_badge = _labels()
    tz = timezone.get_current_timezone()  # once, not twice a row
    # A page shows a few procedures and holders many times: each cell written once.
    procedures: dict[tuple, str] = {}
    holders: dict[tuple, str] = {}
    rows = []
    for d in page:
        code = _e(d.code)
        href = _e(href_of(d.code))
        overdue = d.is_overdue
        key = (d.procedure_code, d.procedure_name)
        procedure = procedures.get(key)
        if procedure is None:
            procedure = procedures[key] = (
                f'<span class="muted">{_e(d.procedure_code)}</span> {_e(_name(d.procedure_name))}'
            )
        key = (d.holder_name, d.assignee_id and d.assignee_name)
        holder = holders.get(key)
        if holder is None:
            who = f"<br><small>{_e(d.assignee_name)}</small>" if d.assignee_id is not None else ""
            holder = holders[key] = f"{_e(d.holder_name or '')}{who}"
        received = _when(d.received_at, tz) if d.received_at else "—"
        due = d.due_at or d.intake_due_at
        if due is None:
            due_html = "—"
        else:
            due_html = _when(due, tz)
            if d.due_at is None:
                due_html += f'<br><small class="muted">{intake_due}</small>'
        rows.append(
            f'<tr class="{"overdue" if overdue else ""}" data-code="{code}">\n'
            f'    <td><a href="{href}">{code}</a></td>\n'
            f"    <td>{procedure}</td>\n"
            f"    <td>{_e(d.applicant_name)}</td>\n"
            f"    <td>{statuses[d.status]}</td>\n"
            f"    <td>{channels[d.channel]}</td>\n"
            f"    <td>{holder}</td>\n"
            f"    <td>{received}</td>\n"
            f"    <td>\n      {due_html}\n      {overdue_badge if overdue else ''}\n    </td>\n"
            "  </tr>\n"
        )
    return SafeString("".join(rows))
