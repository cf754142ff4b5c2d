"""{% site_header %} writes what includes/site_header.html writes, for every kind of visitor
and address, the first time (rendered) and the next ones (reused), with a CSRF token of the
answer's own in the logout form."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.middleware.csrf import _does_token_match, get_token
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from motcua.core.templatetags import site_tags

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]*)(")')
PATHS = ["/", "/mot-cua/", "/mot-cua/tiep-nhan/", "/thu-tuc/", "/tra-cuu/", "/bao-cao/don-vi/x/"]


def _request(user, path):
    request = RequestFactory().get(path, {"trang": "2", "q": '<"a&b">'})
    request.user = user
    return request


def _tag(request) -> str:
    return (
        engines["django"].from_string("{% load site_tags %}{% site_header %}").render({}, request)
    )


def _template(request) -> str:
    return render_to_string(site_tags.HEADER_TEMPLATE, request=request)


def _same(request, ours: str, theirs: str) -> None:
    tokens = TOKEN.findall(ours)
    assert TOKEN.sub(r"\1-\3", ours) == TOKEN.sub(r"\1-\3", theirs)
    assert len(tokens) == len(TOKEN.findall(theirs))
    for _, token, _ in tokens:  # a real token of this request, not the placeholder
        assert _does_token_match(token, request.META["CSRF_COOKIE"])


def _visitors(world):
    staff = User.objects.create_user("nhan-vien", password="x", is_staff=True)
    named = User.objects.create_user("ten-la", first_name="<b>Tên", last_name="& Họ")
    return [
        AnonymousUser(),
        world.citizen,
        world.desk,
        world.specialist,
        world.leader,
        world.commune_desk,
        staff,
        named,
    ]


def test_header_is_the_templates(world):
    site_tags._headers.clear()
    for user in _visitors(world):
        for path in PATHS:
            for _ in range(2):  # rendered, then reused
                request = _request(user, path)
                get_token(request)
                _same(request, _tag(request), _template(request))
    assert site_tags._headers  # reused indeed


def test_header_follows_names_roles_and_language(world):
    site_tags._headers.clear()
    request = _request(world.desk, "/mot-cua/")
    first = _tag(request)
    assert "aria-current" in first
    world.desk.first_name = "Đổi <tên>"
    world.desk.save()
    world.desk.officer.role = "leader"
    request = _request(world.desk, "/mot-cua/")
    second = _tag(request)
    assert "Đổi &lt;tên&gt;" in second and "Báo cáo thống kê" in second
    _same(request, second, _template(request))
    with translation.override("en"):
        request = _request(world.desk, "/mot-cua/")
        _same(request, _tag(request), _template(request))


def test_anonymous_login_link_keeps_the_address(world):
    request = _request(AnonymousUser(), "/thu-tuc/")
    html = _tag(request)
    assert "csrfmiddlewaretoken" not in html
    assert "next=/thu-tuc/%3Ftrang%3D2%26q%3D%253C%2522a%2526b%2522%253E" in html
    _same(request, html, _template(request))


def test_desk_page_carries_a_working_logout_form(client, world):
    client.force_login(world.desk)
    for _ in range(2):
        page = client.get("/mot-cua/").content.decode()
        assert page.count('name="csrfmiddlewaretoken"') >= 1
        assert "\x00" not in page
        assert 'aria-current="page">Hồ sơ cần xử lý' in page
