"""{% field_block field %} (desk_tags) writes exactly what includes/field.html writes: the
template stays the one description of a form field's markup, the tag its fast path."""

from __future__ import annotations

import pytest
from django import forms
from django.template.loader import render_to_string

from motcua.desk.forms import DossierFilterForm
from motcua.desk.templatetags.desk_tags import FIELD_TEMPLATE, field_block


class EveryKind(forms.Form):
    name = forms.CharField(label="Họ <b>tên</b> & “tên”", help_text="Gõ <đủ> dấu & cách")
    note = forms.CharField(required=False, widget=forms.Textarea, help_text="")
    kind = forms.ChoiceField(choices=[("a", "A & <a>"), ("b", "B")])
    channel = forms.ChoiceField(
        choices=[("x", "Trực tuyến"), ("y", "Trực <tiếp>")], widget=forms.RadioSelect
    )
    agree = forms.BooleanField(label="Đồng ý", required=False)
    day = forms.DateField(required=False, help_text="dd/mm/yyyy")
    count = forms.IntegerField(min_value=0, max_value=9, required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def _forms():
    filters = {"assignees": [(7, "Cán bộ <A>")], "fields": [(3, "Đất & nhà")]}
    yield DossierFilterForm(**filters)
    yield DossierFilterForm({"q": "Nguyễn <script>", "kenh": "online", "qua_han": "on"}, **filters)
    yield DossierFilterForm(
        {"nhan_tu": "31/02/2026", "han_tu": "05/09/2026", "han_den": "01/09/2026", "linh_vuc": "x"},
        **filters,
    )
    yield DossierFilterForm({"sap_den_han": "99", "can_bo": "8", "q": "x" * 300}, **filters)
    yield EveryKind()
    yield EveryKind({"name": "", "kind": "zz", "channel": "q", "count": "-1", "day": "hôm qua"})
    yield EveryKind({"name": "An", "kind": "a", "channel": "y"}, auto_id=False)
    yield EveryKind(prefix="p", initial={"name": "Bình & <An>", "agree": True})


@pytest.mark.parametrize("form", list(_forms()), ids=lambda f: f"{type(f).__name__}")
def test_field_block_writes_what_the_template_writes(form):
    form.is_bound and form.is_valid()
    for bound in form:
        expected = render_to_string(FIELD_TEMPLATE, {"field": bound})
        assert field_block(bound) == expected, bound.name


def test_the_queue_form_through_the_page_template():
    """The tag in a template (as desk/queue.html uses it) and the include give one page."""
    from django.template import engines

    engine = engines["django"]
    form = DossierFilterForm({"han_tu": "05/09/2026", "han_den": "01/09/2026"})
    form.is_valid()
    context = {"form": form, "names": DossierFilterForm.DATE_FIELDS}
    ours = engine.from_string(
        "{% load desk_tags %}{% for n in names %}{% field_block form|getfield:n %}{% endfor %}"
    ).render(context)
    theirs = engine.from_string(
        "{% load desk_tags %}{% for n in names %}{% with field=form|getfield:n %}"
        '{% include "includes/field.html" %}{% endwith %}{% endfor %}'
    ).render(context)
    assert ours == theirs
    assert "has-error" in ours and "Ngày kết thúc phải sau" in ours
