"""The Python rendering of inputs and selects (core.forms.QuickRenderer) gives the same
HTML as Django's widget templates, character for character."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from motcua.core.dates import VnDateField
from motcua.core.forms import QuickRenderer

CHOICES = [("", _("Tất cả")), ("a", 'Nộp <trực> tuyến & "khác"'), (3, 4), ("x'y", _("Đã trả"))]
GROUPED = [("Nhóm <1>", [("p", "Một"), ("q", "Hai")]), ("r", "Ba")]


class Everything(forms.Form):
    text = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search"}))
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autofocus": True}))
    number = forms.IntegerField(required=False, min_value=0, max_value=60)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    tick = forms.BooleanField(required=False)
    off = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"disabled": False}))
    day = VnDateField(required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    typed = forms.TypedChoiceField(choices=CHOICES, coerce=str, required=False)
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    radio = forms.ChoiceField(choices=CHOICES, required=False, widget=forms.RadioSelect)
    area = forms.CharField(required=False, widget=forms.Textarea)


BOUND = {
    "text": 'a "quoted" <b>',
    "email": "x@example.com",
    "number": "7",
    "secret": "p&ss",
    "hidden": mark_safe("<i>safe</i>"),
    "tick": "on",
    "day": "05/09/2026",
    "date": "2026-09-05",
    "choice": "a",
    "typed": "x'y",
    "grouped": "q",
    "many": ["a", "3"],
    "radio": "3",
    "area": "một\nhai",
}


@pytest.mark.parametrize("data", [None, BOUND, {"number": "abc", "choice": "zzz"}])
def test_quick_renderer_writes_what_the_templates_write(data):
    slow = Everything(data, renderer=DjangoTemplates())
    quick = Everything(data, renderer=QuickRenderer())
    if data is not None:
        slow.is_valid()
        quick.is_valid()
    for name in Everything.base_fields:
        assert str(quick[name]) == str(slow[name]), name


def test_the_project_renders_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), QuickRenderer)
