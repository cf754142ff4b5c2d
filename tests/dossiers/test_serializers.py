"""The hand-built documents of the hot read paths equal what their serializers (the
OpenAPI schema's source) produce, in every state a dossier passes through."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from motcua.dossiers import selectors, services
from motcua.dossiers.models import ReturnMethod
from motcua.dossiers.serializers import (
    DossierDetailSerializer,
    PublicStatusSerializer,
    detail_data,
    public_status_data,
)
from tests import factories


def dossiers_in_every_shape(world):
    submitted = world.submit_online()
    received = world.submit_online()
    services.receive(received, world.desk, note="Đủ giấy tờ")
    services.assign(received, world.desk, to_agency=world.dept, to_user=world.specialist)
    returned = world.submit_online()
    services.receive(returned, world.desk)
    services.assign(returned, world.desk, to_agency=world.dept, to_user=world.specialist)
    services.approve(returned, world.leader)
    services.finish(returned, world.specialist, [services.Upload(factories.pdf("kq.pdf"))])
    services.return_result(returned, world.desk, ReturnMethod.ONLINE)
    refused = world.submit_online()
    services.refuse(refused, world.desk, reason="Hồ sơ không thuộc thẩm quyền")
    return [submitted, received, returned, refused]


@pytest.mark.parametrize("who", ["citizen", "desk", "specialist", "leader", "other_desk"])
def test_detail_data_equals_the_serializer(world, who):
    user = getattr(world, who)
    shapes = dossiers_in_every_shape(world)
    for dossier in shapes:
        fresh = selectors.dossier_for(world.desk, dossier.code)
        expected = DossierDetailSerializer(
            fresh, context={"request": SimpleNamespace(user=user)}
        ).data
        assert detail_data(fresh, user) == expected
    # The shapes do differ where it matters, so the comparison above is not vacuous.
    documents = [detail_data(selectors.dossier_for(world.desk, d.code), user) for d in shapes]
    assert {d["status"] for d in documents} == {"submitted", "processing", "returned", "rejected"}
    assert any(d["legs"] and d["legs"][0]["assignee"] for d in documents)
    assert any(a["kind"] == "result" for d in documents for a in d["attachments"])


def test_detail_data_writes_utc_as_z_like_drf(world, settings):
    dossier = world.submit_online()
    with timezone.override("UTC"):
        expected = DossierDetailSerializer(
            dossier, context={"request": SimpleNamespace(user=world.citizen)}
        ).data
        data = detail_data(dossier, world.citizen)
    assert data == expected
    assert data["submitted_at"].endswith("Z")


def test_public_status_data_equals_the_serializer(world):
    for dossier in dossiers_in_every_shape(world):
        found = selectors.public_status(dossier.code, dossier.applicant_id_number)
        assert public_status_data(found) == PublicStatusSerializer(found).data
