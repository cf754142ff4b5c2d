"""The actions' bodies validated by one serializer per class built once (api.valid_body)
give what a serializer per request gives: the same validated data, the same errors, for
good and bad bodies of every shared class, again and again (no state kept); through the
API an invalid body is the same problem document."""

from __future__ import annotations

import json

import pytest
from django.http import QueryDict
from django.utils import translation
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from motcua.dossiers import api
from motcua.dossiers.serializers import (
    AssignSerializer,
    DeskSubmitSerializer,
    NoteSerializer,
    SubmitSerializer,
)
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


def _submit_bodies(world) -> list[QueryDict]:
    """Multipart bodies as the parser gives them (QueryDict), good and bad."""
    proc, commune = world.proc.code, world.commune.identifier
    texts = [
        f"procedure_code={proc}",
        f"procedure_code={proc}&applicant_name=Nguy%E1%BB%85n+An&applicant_id_number=001090000001",
        f"procedure_code={proc}&applicant_email=khong-hop-le&applicant_phone=abc",
        f"procedure_code={proc}&representation=parent&applicant_phone=0912345678",
        f"procedure_code={proc}&representation=parent&represented_name=B%C3%A9+Na"
        "&represented_id_number=001090000002",
        f"procedure_code={proc}&representation=khong-co",
        f"procedure_code={proc}&return_channel=post&return_address=S%E1%BB%91+1&return_unit=x",
        f"procedure_code={proc}&agency={commune}&subject=" + "x" * 501,
        f"procedure_code={proc}&procedure_code=1.001193&subject=a%00b",
        "applicant_name=An",
        "",
    ]
    return [QueryDict(text) for text in texts]


def test_submission_bodies_validate_as_their_serializers(world):
    with translation.override("vi"):
        kinds = set()
        for _round in range(2):
            for serializer_class in (SubmitSerializer, DeskSubmitSerializer):
                for body in _submit_bodies(world):
                    expected = _plain(serializer_class, body)
                    kinds.add(expected[0])
                    assert _shared(serializer_class, body) == expected, (serializer_class, body)
    assert kinds == {"valid", "errors"}
    # The bound instance is the one built once per class.
    assert api._BOUND_BODIES[SubmitSerializer] is not api._BOUND_BODIES[DeskSubmitSerializer]


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
