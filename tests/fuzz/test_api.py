"""Schemathesis over the whole OpenAPI schema, in-process through WSGI, as a citizen and as an
officer: no 5xx, responses as the schema says, every error an RFC 9457 problem document
whose `detail` is Vietnamese (DRF's English defaults fail the check)."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.fuzz.conftest import FUZZ

pytestmark = pytest.mark.fuzz

# Letters only Vietnamese (among Latin scripts) writes: ă â đ ê ô ơ ư and the tone marks.
VIETNAMESE = re.compile(
    r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE
)


def is_vietnamese(text: object) -> bool:
    return isinstance(text, str) and bool(VIETNAMESE.search(text))


def _messages(errors: object):
    """Every message inside a problem's `errors` (nested dicts and lists of strings)."""
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _messages(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _messages(value)
    else:
        yield errors


def problem_in_vietnamese(ctx, response, case) -> None:
    """An error answer is application/problem+json with a Vietnamese detail (and field
    errors in Vietnamese too)."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}, not a problem document"
    )
    body = json.loads(response.content)
    assert body.get("status") == response.status_code
    assert is_vietnamese(body.get("title")), body
    assert is_vietnamese(body.get("detail")), f"detail not in Vietnamese: {body.get('detail')!r}"
    english = [m for m in _messages(body.get("errors", {})) if not is_vietnamese(m)]
    assert english == [], f"field errors not in Vietnamese: {english!r}"


ROLES = ["citizen", "desk", "leader"]
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


def _load_schema() -> schemathesis.BaseSchema:
    # The document the app serves at /api/schema/, generated without a request (no DB).
    generator = SchemaGenerator(api_version="v1")
    document = json.loads(OpenApiJsonRenderer().render(generator.get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


@pytest.fixture
def _keep_connection():
    """The WSGI handler closes the database connection after each request, which would close
    the test's transaction; Django's test client suspends that the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def dossier_codes(world, _keep_connection):
    """Real dossiers in a few states, so that actions reach the services, not only 404."""
    online = world.submit_online()
    commune = world.submit_online(procedure=world.commune_proc, agency=world.commune)
    return [online.code, commune.code]


@schema.parametrize()
@schema.given(data=st.data())
@FUZZ
def test_api_never_fails_and_speaks_vietnamese(case, data, world, dossier_codes):
    # A citizen, a desk officer and a leader: different paths through policy and services.
    user = getattr(world, data.draw(st.sampled_from(ROLES), label="role"))
    token, _ = Token.objects.get_or_create(user=user)
    has_code = "code" in (case.path_parameters or {}) and "/procedures/" not in case.path
    if has_code and data.draw(st.booleans(), label="real dossier"):
        case.path_parameters["code"] = data.draw(st.sampled_from(dossier_codes))
    response = case.call(headers={"Authorization": f"Token {token.key}", "Accept-Language": "en"})
    case.validate_response(response, checks=CHECKS, additional_checks=[problem_in_vietnamese])
