"""The Content-Security-Policy header on pages and API docs, and no inline script or
style in the project's own templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import motcua

SOURCE = Path(motcua.__file__).parent
# Rendered by WeasyPrint into PDFs, never served to a browser.
PDF_TEMPLATES = {"dossiers/templates/dossiers/form_base.html"}


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", ["/", "/dang-nhap/", "/api/docs/", "/tra-cuu/"])
def test_pages_carry_the_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_api_docs_have_no_inline_script_or_style(client, db):
    html = client.get("/api/docs/").content.decode()
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for template in SOURCE.rglob("templates/**/*.html"):
        relative = template.relative_to(SOURCE).as_posix()
        if relative in PDF_TEMPLATES:
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", text):
            offenders.append(relative)
    assert offenders == []
