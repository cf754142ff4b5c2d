"""Component files as two parallel lists (`component_files` + `component_ids`): the shape
Swagger UI's "Try it out" form can fill, since it cannot add free-named parts."""

import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def citizen_client(world):
    client = APIClient()
    client.force_authenticate(world.citizen)
    return client


def _body(world, **extra):
    return {
        "procedure_code": world.proc.code,
        "applicant_name": "Nguyễn Văn Dân",
        "applicant_id_number": "001090000001",
        **extra,
    }


def _component_ids(world) -> list[int]:
    return list(world.proc.components.order_by("pk").values_list("pk", flat=True))


def test_schema_offers_the_paired_lists(world):
    document = APIClient().get("/api/schema/", {"format": "json"}).json()
    for name in ("SubmitFiles", "DeskSubmitFiles", "SupplementFiles"):
        properties = document["components"]["schemas"][name]["properties"]
        assert properties["component_files"]["items"] == {"type": "string", "format": "binary"}
        assert properties["component_ids"]["items"]["type"] == "integer"


@pytest.mark.parametrize("as_one_value", [False, True], ids=["repeated", "comma-separated"])
def test_submission_with_paired_lists(world, citizen_client, as_one_value):
    ids = _component_ids(world)
    assert ids, "the world's procedure has components"
    files = [factories.pdf(f"tp{i}.pdf") for i in ids]
    sent_ids = ",".join(map(str, ids)) if as_one_value else ids
    body = _body(world, component_files=files, component_ids=sent_ids)
    response = citizen_client.post("/api/v1/dossiers/", body, format="multipart")
    assert response.status_code == 201, response.content
    attached = {a["name"]: a["component"] for a in response.json()["attachments"]}
    assert attached == {f"tp{i}.pdf": i for i in ids}


def test_missing_or_extra_ids_are_refused_in_vietnamese(world, citizen_client):
    ids = _component_ids(world)
    files = [factories.pdf(f"tp{i}.pdf") for i in ids]
    body = _body(world, component_files=files, component_ids=ids[:-1] or [])
    response = citizen_client.post("/api/v1/dossiers/", body, format="multipart")
    assert response.status_code == 400
    problem = response.json()
    assert "cùng thứ tự" in problem["errors"]["component_ids"][0]


def test_an_id_of_another_procedure_is_refused_on_a_supplement(world):
    """The ids are checked against the dossier's own procedure before any file is stored."""
    dossier = world.submit_online()
    client = APIClient()
    client.force_authenticate(world.citizen)
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/actions/complete_supplement/",
        {"component_files": [factories.pdf()], "component_ids": [999999]},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "không thuộc thủ tục" in response.json()["errors"]["component_ids"][0]
