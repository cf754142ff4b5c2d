"""The public lookup's fast paths answer what the slow ones did: its body is validated by
LookupSerializer's fields built once (not a serializer per request), and the dossier is read
from one cursor row (not Django's RawQuerySet). Both are compared here with the plain way."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from motcua.core.problems import _UNTRANSLATABLE
from motcua.dossiers import selectors, services
from motcua.dossiers.models import Dossier
from motcua.dossiers.serializers import LookupSerializer
from tests.dossiers.test_api import assert_problem

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/lookup/"
ID_NUMBER = "001090000001"  # world.citizen's

BODIES = [
    {},
    {"code": "HS-1"},
    {"id_number": ID_NUMBER},
    {"code": None, "id_number": None},
    {"code": "", "id_number": ""},
    {"code": "   ", "id_number": "\t"},
    {"code": "x" * 65, "id_number": ID_NUMBER},
    {"code": "HS-1", "id_number": "1" * 21},
    {"code": ["HS-1"], "id_number": {"a": 1}},
    {"code": 12345, "id_number": 1090000001},
    {"code": "HS\u00001", "id_number": ID_NUMBER},
    {"code": "<script>", "id_number": "００１０９００００００１"},
    [],
    ["HS-1", ID_NUMBER],
    "HS-1",
    None,
]


@pytest.mark.parametrize("body", BODIES, ids=[json.dumps(b)[:40] for b in BODIES])
def test_errors_are_the_serializers(world, body):
    response = APIClient().post(LOOKUP, json.dumps(body), content_type="application/json")
    expected = LookupSerializer(data=body)
    with translation.override("vi"):  # the language the request's answer is in
        valid = expected.is_valid()
        errors = json.loads(json.dumps(expected.errors))
    # The problem documents put DRF's one untranslated message in Vietnamese.
    errors = {
        k: [_UNTRANSLATABLE.get(m, m) for m in v] if isinstance(v, list) else v
        for k, v in errors.items()
    }
    if valid:
        assert_problem(response, 404, "not_found")
    else:
        problem = assert_problem(response, 400, "invalid")
        assert problem["errors"] == errors
        assert problem["detail"] == "Dữ liệu gửi lên không hợp lệ."


def test_normalised_values_find_the_dossier(world):
    dossier = services.receive(world.submit_online(), world.desk)
    client = APIClient()
    # Full-width digits and spaces are normalised by the serializer's fields, as before.
    for id_number in (ID_NUMBER, "００１０９００００００１", f"  {ID_NUMBER} "):
        body = {"code": f" {dossier.code} ", "id_number": id_number}
        assert LookupSerializer(data=body).is_valid()
        response = client.post(LOOKUP, body, format="json")
        assert response.status_code == 200, (id_number, response.content)
        assert response.json()["code"] == dossier.code


def test_public_status_loads_what_the_orm_loads(world):
    dossier = services.receive(world.submit_online(), world.desk)
    found = selectors.public_status(dossier.code, ID_NUMBER)
    orm = (
        Dossier.objects.select_related("procedure", "agency")
        .only(*selectors.PUBLIC_FIELDS)
        .get(pk=dossier.pk)
    )
    loaded = {f.attname for f in Dossier._meta.concrete_fields} - found.get_deferred_fields()
    assert loaded == {f.attname for f in Dossier._meta.concrete_fields} - (
        orm.get_deferred_fields()
    ) | {"procedure_id", "agency_id"}
    for name in loaded:
        assert getattr(found, name) == getattr(orm, name), name
    assert found.received_at is not None and found.received_at.tzinfo is not None
    assert (found.procedure.code, found.procedure.name) == (orm.procedure.code, orm.procedure.name)
    assert (found.agency.identifier, found.agency.name) == (orm.agency.identifier, orm.agency.name)
    assert found.is_overdue == orm.is_overdue
    assert found._state.adding is False and found._state.db == orm._state.db
    # Not found: the wrong ID number, or the code of nobody's dossier.
    assert selectors.public_status(dossier.code, "001090000002") is None
    assert selectors.public_status("KHONG-CO", ID_NUMBER) is None
