"""motcua.core.middleware.CSPMiddleware writes the same Content-Security-Policy headers as
django-csp's own middleware, answer for answer: its cached policy is only a fast path."""

from __future__ import annotations

import csp.middleware
import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.exceptions import CSPNonceError
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from motcua.core.middleware import CSPMiddleware

NONCE_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", "'nonce'"]}}


def _answer(**attrs):
    def view(request):
        response = HttpResponse("ok", status=attrs.pop("status", 200))
        if attrs.pop("use_nonce", False):
            str(request.csp_nonce)
        if attrs.pop("preset", False):
            response[HEADER] = "default-src 'none'"
        for name, value in attrs.items():
            setattr(response, name, value)
        return response

    return view


CASES = {
    "plain": {},
    "error page": {"status": 404},
    "server error": {"status": 500},
    "replace": {"_csp_replace": {"frame-ancestors": ["'self'"]}},
    "update": {"_csp_update": {"form-action": ["https://pay.example"]}},
    "config": {"_csp_config": {"default-src": ["'none'"]}},
    "report-only update": {"_csp_update_ro": {"img-src": ["https://img.example"]}},
    "exempt": {"_csp_exempt": True},
    "exempt report-only": {"_csp_exempt_ro": True},
    "header already set": {"preset": True},
    "nonce used": {"use_nonce": True},
}


def _headers(middleware_class, path: str, attrs: dict) -> tuple:
    request = RequestFactory().get(path)
    response = middleware_class(_answer(**dict(attrs)))(request)
    try:  # a nonce first asked for after the header was written: an error
        late_nonce = bool(str(request.csp_nonce))
    except CSPNonceError:
        late_nonce = "refused"
    return response.get(HEADER), response.get(HEADER_REPORT_ONLY), late_nonce


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("path", ["/", "/api/v1/lookup/", "/khong-ghi/x"])
@pytest.mark.parametrize(
    "settings_",
    [
        {},
        {"CONTENT_SECURITY_POLICY": NONCE_POLICY},
        {
            "CONTENT_SECURITY_POLICY_REPORT_ONLY": {
                "DIRECTIVES": {"default-src": ["'none'"], "report-uri": "/csp-report/"},
                "EXCLUDE_URL_PREFIXES": ["/khong-ghi/"],
            }
        },
        {
            "CONTENT_SECURITY_POLICY": {
                "DIRECTIVES": {"default-src": ["'self'"]},
                "EXCLUDE_URL_PREFIXES": ["/khong-ghi/"],
            }
        },
        {"DEBUG": True},
    ],
    ids=["project", "nonce", "report-only", "excluded", "debug"],
)
def test_same_headers_as_django_csp(case, path, settings_):
    if case == "nonce used" and "CONTENT_SECURITY_POLICY" not in settings_:
        settings_ = {**settings_, "CONTENT_SECURITY_POLICY": NONCE_POLICY}
    with override_settings(**settings_):
        ours = _headers(CSPMiddleware, path, CASES[case])
        theirs = _headers(csp.middleware.CSPMiddleware, path, CASES[case])
    assert ours == theirs
    if case == "plain" and not settings_:
        assert "frame-ancestors 'none'" in ours[0]  # the project's policy is written


def test_policy_follows_the_settings():
    """The cached strings are rebuilt when the settings change (tests, reloads)."""
    plain = _headers(CSPMiddleware, "/", {})[0]
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert _headers(CSPMiddleware, "/", {})[0] == "default-src 'none'"
    assert _headers(CSPMiddleware, "/", {})[0] == plain


@pytest.mark.django_db
def test_pages_and_api_carry_the_settings_policy(client):
    from csp.utils import build_policy

    expected = build_policy()
    for response in (
        client.get("/"),
        client.post("/api/v1/lookup/", {"code": "X", "id_number": "1"}, "application/json"),
    ):
        assert response[HEADER] == expected
