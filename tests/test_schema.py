"""One OpenAPI schema for the whole API: served, complete, and generated without warnings."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from motcua.dossiers.api import ACTIONS

PATHS = [
    "/api/v1/procedures/",
    "/api/v1/procedures/{code}/",
    "/api/v1/agencies/",
    "/api/v1/dossiers/",
    "/api/v1/dossiers/desk/",
    "/api/v1/dossiers/{code}/",
    "/api/v1/dossiers/{code}/events/",
    *[f"/api/v1/dossiers/{{code}}/actions/{name}/" for name in ACTIONS],
]


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator(api_version="v1").get_schema(request=None, public=True)


def test_schema_lists_every_endpoint(schema):
    assert schema["info"]["title"] == "Motcua API"
    assert [p for p in PATHS if p not in schema["paths"]] == []
    # The catch-all for unknown actions is not an endpoint.
    assert "/api/v1/dossiers/{code}/actions/{action}/" not in schema["paths"]


def test_schema_documents_bodies_and_problems(schema):
    submit = schema["paths"]["/api/v1/dossiers/"]["post"]
    assert "multipart/form-data" in submit["requestBody"]["content"]
    assert {"200", "201", "400"} <= set(submit["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in submit["parameters"])
    approve = schema["paths"]["/api/v1/dossiers/{code}/actions/approve/"]["post"]
    assert "application/problem+json" in approve["responses"]["409"]["content"]
    finish = schema["paths"]["/api/v1/dossiers/{code}/actions/finish/"]["post"]
    assert "multipart/form-data" in finish["requestBody"]["content"]


def test_schema_generates_without_warnings():
    # --fail-on-warn turns any drf-spectacular warning or error into a failure;
    # --validate checks the result against the OpenAPI 3 JSON schema.
    call_command(
        "spectacular", "--api-version", "v1", "--validate", "--fail-on-warn", stdout=io.StringIO()
    )


@pytest.mark.django_db
def test_schema_url_is_served():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert [p for p in PATHS if p not in response.json()["paths"]] == []


@pytest.mark.django_db
def test_docs_page_is_served_without_a_cdn():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert re.findall(r"https?://", page) == []
