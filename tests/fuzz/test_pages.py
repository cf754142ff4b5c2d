"""Hypothesis over every page form, posted through Django's test client: hostile text (NUL,
odd Unicode, very long strings, impossible dates, huge numbers) never makes a 500 (the test
client re-raises a view's exception), and the form errors shown are Vietnamese."""

from __future__ import annotations

import pytest
from django.forms import BaseForm
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from motcua.desk import forms as desk_forms
from motcua.desk.views import ACTIONS as DESK_ACTIONS
from motcua.portal import forms as portal_forms
from tests.fuzz.conftest import FUZZ
from tests.fuzz.test_api import is_vietnamese

pytestmark = pytest.mark.fuzz

HOSTILE = st.one_of(
    # Surrogates cannot be encoded by the client (nor sent by a browser): left out.
    st.text(st.characters(exclude_categories=["Cs"]), max_size=50),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\u200b\u200b",
            "\u202e" + "abc",
            "０１２３４５６７８９０１",
            "x" * 100_000,
            "9" * 400,
            "-1e999",
            "NaN",
            "2026-02-30 10:00",
            "2026-02-30T10:00:00+07:00",
            "9999-12-31 23:59",
            "0001-01-01 00:00",
            "99999-01-01",
            "2026-13-45",
            "",
            " ",
        ]
    ),
)


def _field_names(form_class: type, **kwargs) -> list[str]:
    return list(form_class(**kwargs).fields) + ["csrfmiddlewaretoken", "\u0661\u0662"]


def _forms_in(value, depth: int = 0):
    """Bound forms anywhere in a template context value (the desk page keeps its action
    forms in a list of rows)."""
    if isinstance(value, BaseForm):
        yield value
    elif depth < 3 and isinstance(value, list | tuple):
        for item in value:
            yield from _forms_in(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _forms_in(item, depth + 1)


def _assert_vietnamese_errors(response) -> None:
    assert response.status_code < 500
    if not response.context:
        return
    messages = [
        str(message)
        for key in response.context.keys()  # noqa: SIM118 (iterating a ContextList gives contexts)
        for form in _forms_in(response.context.get(key))
        if form.is_bound
        for errors in form.errors.values()
        for message in errors
    ]
    assert all(is_vietnamese(m) for m in messages), messages


def _post(client: Client, url: str, names: list[str], data: st.DataObject):
    body = data.draw(st.fixed_dictionaries({}, optional={n: HOSTILE for n in names}))
    response = client.post(url, body, HTTP_ACCEPT_LANGUAGE="en")
    _assert_vietnamese_errors(response)


@given(data=st.data())
@FUZZ
def test_portal_lookup_form(world, data):
    _post(Client(), "/tra-cuu/", _field_names(portal_forms.LookupForm), data)


@given(data=st.data())
@FUZZ
def test_portal_search_form(world, data):
    query = data.draw(st.fixed_dictionaries({}, optional={"q": HOSTILE, "level": HOSTILE}))
    response = Client().get("/thu-tuc/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code < 500


@given(data=st.data())
@FUZZ
def test_login_form(world, data):
    _post(Client(), "/dang-nhap/", ["username", "password", "next"], data)


@given(data=st.data())
@FUZZ
def test_portal_submit_form(world, data):
    client = Client()
    client.force_login(world.citizen)
    proc = data.draw(st.sampled_from([world.proc, world.commune_proc]))
    names = _field_names(portal_forms.SubmissionForm, procedure=proc)
    _post(client, f"/thu-tuc/{proc.code}/nop-ho-so/", names, data)


@given(data=st.data())
@FUZZ
def test_portal_withdraw_form(world, dossier, data):
    client = Client()
    client.force_login(world.citizen)
    names = _field_names(portal_forms.WithdrawForm)
    _post(client, f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", names, data)


@given(data=st.data())
@FUZZ
def test_desk_intake_form(world, data):
    client = Client()
    client.force_login(world.desk)
    proc = data.draw(st.sampled_from([world.proc, world.commune_proc]))
    names = _field_names(desk_forms.DeskSubmissionForm, procedure=proc)
    _post(client, f"/mot-cua/tiep-nhan-moi/?thu_tuc={proc.code}", names, data)


@pytest.fixture
def dossier(world):
    return world.submit_online()


@given(data=st.data())
@FUZZ
def test_desk_action_forms(world, dossier, data):
    # Every action of the desk page, by the desk officer and the leader, whatever the state
    # the earlier examples left the dossier in.
    name = data.draw(st.sampled_from(sorted(DESK_ACTIONS)), label="action")
    user = data.draw(st.sampled_from([world.desk, world.leader, world.specialist]))
    client = Client()
    client.force_login(user)
    form_class = DESK_ACTIONS[name].form
    try:
        names = _field_names(form_class)
    except TypeError:  # forms that need the dossier or the officer
        names = list(form_class.base_fields) + ["\u0661\u0662"]
    _post(client, f"/mot-cua/ho-so/{dossier.code}/{name}/", names, data)
