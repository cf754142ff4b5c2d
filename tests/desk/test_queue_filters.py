"""{% queue_filters form filtered %} (desk_tags) writes what desk/includes/queue_filters.html
writes for that form, whether its markup was kept from an earlier page or not."""

from __future__ import annotations

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from motcua.desk.forms import DossierFilterForm, UnboundFilterForm
from motcua.desk.templatetags import desk_tags

PAGE = "{% load desk_tags %}<p>{% queue_filters form filtered %}</p>"
LISTS = {"assignees": [(7, "Cán bộ <A>"), (9, "Lê Thị B")], "fields": [(3, "Đất & nhà")]}


def _tag(form, filtered=False) -> str:
    return engines["django"].from_string(PAGE).render({"form": form, "filtered": filtered})


def _direct(form, filtered=False) -> str:
    html = render_to_string(desk_tags.FILTERS_TEMPLATE, {"form": form, "filtered": filtered})
    return f"<p>{html}</p>"


def _forms():
    yield DossierFilterForm(**LISTS), False
    yield DossierFilterForm(), False
    yield DossierFilterForm(assignees=[(7, "Cán bộ <A>")], fields=LISTS["fields"]), False
    yield DossierFilterForm(assignees=LISTS["assignees"], fields=[(3, "Đất và nhà")]), False
    yield DossierFilterForm({"q": "Nguyễn <script>", "kenh": "online"}, **LISTS), True
    yield DossierFilterForm({"han_tu": "05/09/2026", "han_den": "01/09/2026"}, **LISTS), False
    yield DossierFilterForm({"sap_den_han": "99", "can_bo": "8"}, **LISTS), False
    yield DossierFilterForm(initial={"q": "Bình"}, **LISTS), False
    yield DossierFilterForm(prefix="p", **LISTS), False
    yield DossierFilterForm(auto_id="f_%s", **LISTS), False


@pytest.mark.parametrize("form,filtered", list(_forms()))
def test_the_tag_writes_what_the_template_writes_first_and_kept(form, filtered):
    form.is_bound and form.is_valid()
    desk_tags._filter_forms.clear()
    expected = _direct(form, filtered)
    assert _tag(form, filtered) == expected  # rendered
    assert _tag(form, filtered) == expected  # kept (or rendered again)
    assert bool(desk_tags._filter_forms) == (
        not form.is_bound and not form.initial and not form.prefix and form.auto_id == "id_%s"
    )


def test_a_kept_form_is_never_served_for_other_lists_or_a_bound_form():
    desk_tags._filter_forms.clear()
    forms_ = [form for form, _ in _forms()]
    for form in forms_:  # every kind, each after the others were kept
        form.is_bound and form.is_valid()
        _tag(form)
    for form in forms_:
        assert _tag(form) == _direct(form)
    assert len(desk_tags._filter_forms) == 4  # the four unbound forms with their own lists


def test_the_language_and_settings_are_part_of_the_key():
    desk_tags._filter_forms.clear()
    form = DossierFilterForm(**LISTS)
    vietnamese = _tag(form)
    with translation.override("en"):
        assert _tag(form) == _direct(form)
    assert _tag(form) == vietnamese
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        assert desk_tags._filter_forms == {}  # forgotten when a setting changes
        assert _tag(form) == _direct(form)


def test_the_queue_page_shows_the_kept_form(client, world):
    client.force_login(world.desk)
    first = client.get("/mot-cua/").content.decode()
    second = client.get("/mot-cua/").content.decode()
    form = DossierFilterForm(
        assignees=[(world.desk.pk, world.desk.get_full_name())], fields=[]
    )  # not the page's lists: only the start of the form is compared
    start = _direct(form)[3:].split("<div class=", 1)[0]
    assert start in first and start in second
    assert first.count('id="search-form"') == second.count('id="search-form"') == 1
    filtered = client.get("/mot-cua/?kenh=online").content.decode()
    assert '<details class="more-filters" id="more-filters" open>' in filtered
    assert '<details class="more-filters" id="more-filters" open>' not in second


def test_the_default_form_not_built_writes_what_the_built_form_writes():
    """desk.forms.UnboundFilterForm (a view without parameters) is kept under the key of
    the unbound DossierFilterForm with the same lists, and built only to be rendered."""
    lists = [LISTS, {"assignees": [], "fields": []}, {**LISTS, "fields": [(4, "Đất & nhà")]}]
    for kept_first in (True, False):
        desk_tags._filter_forms.clear()
        for kw in lists:
            built = DossierFilterForm(**kw)
            lazy = UnboundFilterForm(kw["assignees"], kw["fields"])
            if kept_first:
                assert _tag(built) == _direct(built)
            assert _tag(lazy) == _direct(built)
            assert ("form" in lazy.__dict__) is not kept_first  # built only to be rendered
            assert _tag(lazy) == _tag(built) == _direct(built)
        assert len(desk_tags._filter_forms) == len(lists)
