"""One OpenAPI schema for the whole API: served, complete, and generated without warnings."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from motcua.accounts.models import CitizenIdentity
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


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


BINARY = {"type": "string", "format": "binary"}


@pytest.mark.parametrize(
    ("path", "components"),
    [
        ("/api/v1/dossiers/", True),
        ("/api/v1/dossiers/desk/", True),
        ("/api/v1/dossiers/{code}/actions/complete_supplement/", True),
        ("/api/v1/dossiers/{code}/actions/finish/", False),
    ],
)
def test_uploads_are_described_as_binary_parts(schema, path, components):
    body = schema["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
    described = _resolve(schema, body["schema"])
    assert described["properties"]["files"]["items"] == BINARY
    extra = described.get("additionalProperties")
    if components:
        assert extra["items"] == BINARY
        assert "component_<id>" in extra["description"]
    else:
        assert extra is None


@pytest.mark.django_db
def test_a_dossier_can_be_submitted_as_the_schema_describes(world):
    """What Swagger UI's "Try it out" does: fill each described part of the multipart body
    (text fields by their type, binary parts with a file) and send it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = APIClient().get("/api/schema/", {"format": "json"}).json()
    operation = document["paths"]["/api/v1/dossiers/"]["post"]
    body = _resolve(document, operation["requestBody"]["content"]["multipart/form-data"]["schema"])
    examples = {
        "procedure_code": world.proc.code,
        "applicant_name": "Nguyễn Văn Dân",
        "applicant_id_number": "001090000001",
    }
    data: dict = {}
    for name in body["required"]:
        assert body["properties"][name]["type"] == "string"
        data[name] = examples[name]

    def pdf(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

    assert body["properties"]["files"]["items"] == BINARY
    data["files"] = [pdf("khac.pdf")]
    # component_<id> parts, ids from the procedure's detail, as the description says.
    assert body["additionalProperties"]["items"] == BINARY
    detail = APIClient().get(f"/api/v1/procedures/{world.proc.code}/").json()
    for component in detail["components"]:
        data[f"component_{component['id']}"] = [pdf(f"tp{component['id']}.pdf")]

    # The applicant's name and ID number come from the identity bound to the account.
    CitizenIdentity.objects.create(
        user=world.citizen, id_number="001090000001", full_name="Nguyễn Văn Dân", source="vneid"
    )
    client = APIClient()
    client.force_authenticate(world.citizen)
    response = client.post("/api/v1/dossiers/", data, format="multipart")
    assert response.status_code == 201, response.content
    names = {a["name"] for a in response.json()["attachments"]}
    assert names == {"khac.pdf", *(f"tp{c['id']}.pdf" for c in detail["components"])}
