"""The actions' bodies validated by one serializer per class built once (api.valid_body)
give what a serializer per request gives: the same validated data, the same errors, for
good and bad bodies of every shared class, again and again (no state kept); through the
API an invalid body is the same problem document."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from motcua.dossiers import api
from motcua.dossiers.serializers import AssignSerializer, NoteSerializer
from tests.dossiers.test_api import DOSSIERS, assert_problem

pytestmark = pytest.mark.django_db

COMMON = [
    {},
    {"note": ""},
    {"note": "  Ghi chú\u200b  "},
    {"note": None},
    {"note": "x" * 2001},
    {"note": ["a"]},
    {"note": 12},
    {"note": "a\u0000b"},
    {"reason": "Thiếu giấy tờ"},
    {"reason": "ab"},
    {"reason": "\u200b" * 10},
    {"step": 1},
    {"step": "2"},
    {"step": 0},
    {"step": 2**31},
    {"step": "x", "note": "n"},
    {"extra": 1},
]


def _assign_bodies(world) -> list[dict]:
    dept, user = world.dept.identifier, world.specialist.username
    return [
        {"to_agency": dept},
        {"to_agency": dept, "to_user": user, "note": "Chuyển"},
        {"to_agency": dept, "to_user": None, "budget_days": "2.5"},
        {"to_agency": dept, "budget_days": "abc"},
        {"to_agency": dept, "budget_days": "1234567.25"},
        {"to_agency": "không-có", "to_user": user},
        {"to_agency": dept, "to_user": "không-có"},
        {"to_agency": None},
        {"to_agency": ["x"]},
        {"to_agency": world.other_dept.identifier, "to_user": user},
    ]


def _plain(serializer_class, body):
    serializer = serializer_class(data=body)
    if serializer.is_valid():
        return "valid", dict(serializer.validated_data)
    return "errors", json.loads(json.dumps(serializer.errors))


def _shared(serializer_class, body):
    try:
        return "valid", dict(api.valid_body(serializer_class, body))
    except ValidationError as exc:
        return "errors", json.loads(json.dumps(exc.detail))


def test_every_shared_body_validates_as_its_serializer(world):
    bodies = COMMON + _assign_bodies(world)
    with translation.override("vi"):
        for _round in range(2):  # the bound instance keeps nothing between calls
            for serializer_class in api.SHARED_BODIES:
                for body in bodies:
                    expected = _plain(serializer_class, body)
                    assert _shared(serializer_class, body) == expected, (serializer_class, body)
    # Both kinds of answer were compared.
    kinds = {_plain(AssignSerializer, b)[0] for b in _assign_bodies(world)}
    assert kinds == {"valid", "errors"}


@pytest.mark.parametrize("body", [[], "note", None, 3, ["a", "b"]])
def test_bodies_that_are_not_objects_still_get_a_serializer(world, body):
    with translation.override("vi"):
        assert _shared(NoteSerializer, body) == _plain(NoteSerializer, body)


def test_an_invalid_assign_is_the_serializers_problem_document(world):
    from rest_framework.authtoken.models import Token

    dossier = world.submit_online()
    token, _ = Token.objects.get_or_create(user=world.desk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    url = f"{DOSSIERS}{dossier.code}/actions/"
    assert client.post(f"{url}receive/", {"note": "x"}, format="json").status_code == 200
    body = {"to_agency": "không-có", "budget_days": "abc", "note": 5}
    response = client.post(f"{url}assign/", body, format="json")
    problem = assert_problem(response, 400, "invalid")
    with translation.override("vi"):
        assert problem["errors"] == _plain(AssignSerializer, body)[1]
