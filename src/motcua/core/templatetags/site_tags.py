"""{% site_header %}: the page header of base.html (account, navigation), rendered by its
template includes/site_header.html once per distinct input and then reused.

Every page renders the same header for the same person on the same address: a dozen
{% url %} and {% translate %} tags and the officer's lookups, a tenth of the desk queue's
CPU. The output is the template's own, kept under everything the template reads (language,
URL configuration, path, the user's names, officer role and agency); only the logout
form's CSRF token differs per answer and is written in by Django's {% csrf_token %} node.
tests/core/test_site_header.py compares it with the template rendered directly.
"""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

HEADER_TEMPLATE = "includes/site_header.html"
_CSRF_MARK = "\x00csrf\x00"  # never in a real token (letters and digits)
_CSRF_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_CSRF_MARK}">'
_MAX_ENTRIES = 4096  # distinct (person, address) pairs kept; then the cache starts again
_headers: dict[tuple, str] = {}


def _key(context) -> tuple | None:
    request = context.get("request")
    user = context.get("user")
    if request is None or user is None:
        return None
    common = (get_language(), get_urlconf(), request.path)
    if not user.is_authenticated:
        # The login link carries the whole address back (?next=...).
        return (*common, False, request.get_full_path())
    try:
        officer = user.officer
    except ObjectDoesNotExist:
        officer_key = None
    else:
        officer_key = (officer.role, str(officer.get_role_display()), officer.agency.name)
    return (*common, True, user.get_full_name(), user.username, officer_key)


@register.simple_tag(takes_context=True)
def site_header(context) -> SafeString:
    key = _key(context)
    html = _headers.get(key) if key is not None else None
    if html is None:
        header = context.template.engine.get_template(HEADER_TEMPLATE)
        with context.push(csrf_token=_CSRF_MARK):
            html = header.render(context)
        if key is not None:
            if len(_headers) >= _MAX_ENTRIES:
                _headers.clear()
            _headers[key] = html
    if _CSRF_MARK in html:
        # What {% csrf_token %} writes for this answer (it also asks for the cookie).
        html = html.replace(_CSRF_INPUT, str(CsrfTokenNode().render(context)))
    return mark_safe(html)  # noqa: S308 - the template's own output
