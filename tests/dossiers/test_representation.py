"""Who files for whom (issue 8 item 8): the citizen's own ID number is bound to the account
and fills and locks the applicant on submission (API and portal); another person's ID only
with a declared representation and the authorisation attached, recorded on the dossier
and shown to the desk.

Legal basis: Luật Căn cước 2023 (the personal identification number identifies the citizen
in public services); Bộ luật Dân sự 2015, Điều 134-139 (legal and authorised
representation: đại diện theo pháp luật, đại diện theo ủy quyền); NĐ 118/2025 (an
applicant may file in person or through an authorised person)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from motcua.accounts.models import CitizenIdentity
from motcua.core.models import AuditEntry
from motcua.core.problems import InvalidInput
from motcua.dossiers import services
from motcua.dossiers.models import Attachment, Dossier, Representation
from tests import factories

DOSSIERS = "/api/v1/dossiers/"
OWN = "001090000001"
OTHER = "037195000456"


def bind(user, id_number: str = OWN, name: str = "Nguyễn Văn An", source: str = "vneid"):
    return CitizenIdentity.objects.create(
        user=user, id_number=id_number, full_name=name, source=source
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(proc, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"procedure_code": proc.code, "applicant_phone": "0912345678"}
    for component in proc.components.all():
        data[f"component_{component.pk}"] = factories.pdf(f"tp{component.pk}.pdf")
    data.update(overrides)
    return data


def on_behalf(**overrides: Any) -> dict[str, Any]:
    return {
        "representation": "authorised",
        "represented_name": "Phạm Thị Dung",
        "represented_id_number": OTHER,
        "authorisation": factories.pdf("giay-uy-quyen.pdf"),
        **overrides,
    }


def problem(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    data = response.json()
    assert data["code"] == code
    return data


# --- the identity fills and locks the applicant ----------------------------------------


def test_api_fills_the_applicant_from_the_bound_identity(world):
    bind(world.citizen)
    answer = api(world.citizen).post(DOSSIERS, body(world.proc), format="multipart")
    assert answer.status_code == 201, answer.content
    dossier = Dossier.objects.get()
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Nguyễn Văn An", OWN)
    assert not Representation.objects.exists()


def test_api_locks_the_name_to_the_identity(world):
    bind(world.citizen)
    sent = body(world.proc, applicant_name="Tên Khác", applicant_id_number=OWN)
    assert api(world.citizen).post(DOSSIERS, sent, format="multipart").status_code == 201
    assert Dossier.objects.get().applicant_name == "Nguyễn Văn An"


def test_api_refuses_another_id_number_without_representation(world):
    bind(world.citizen)
    sent = body(world.proc, applicant_name="Phạm Thị Dung", applicant_id_number=OTHER)
    answer = api(world.citizen).post(DOSSIERS, sent, format="multipart")
    data = problem(answer, 400, "identity_mismatch")
    assert "nộp thay" in data["detail"].lower()
    assert not Dossier.objects.exists()


def test_local_account_declares_its_identity_with_the_first_submission(world):
    world.submit_online(applicant=factories.applicant(OWN))
    identity = CitizenIdentity.objects.get(user=world.citizen)
    assert identity.id_number == OWN and identity.source == CitizenIdentity.Source.DECLARED
    assert not identity.verified
    assert AuditEntry.objects.filter(action="identity_declared").count() == 1
    with pytest.raises(InvalidInput) as refused:
        world.submit_online(applicant=factories.applicant(OTHER))
    assert refused.value.code == "identity_mismatch"
    assert Dossier.objects.count() == 1


def test_declared_numbers_are_not_unique_but_verified_ones_are(world):
    # A declaration is a claim: two local accounts may state the same number (neither
    # can lock the real holder out); VNeID-verified numbers belong to one account.
    world.submit_online(applicant=factories.applicant(OWN))
    world.submit_online(user=world.other_citizen, applicant=factories.applicant(OWN))
    assert CitizenIdentity.objects.filter(id_number=OWN).count() == 2
    first = factories.citizen()
    bind(first, OTHER)
    with pytest.raises(IntegrityError), transaction.atomic():
        bind(factories.citizen(), OTHER)


def test_portal_shows_the_identity_locked_and_ignores_a_changed_value(client, world):
    bind(world.citizen)
    client.force_login(world.citizen)
    url = reverse("submit", args=[world.proc.code])
    page = client.get(url).content.decode()
    assert 'value="Nguyễn Văn An"' in page and f'value="{OWN}"' in page
    assert page.count("disabled") >= 2
    files = {f"component_{c.pk}": factories.pdf() for c in world.proc.components.all()}
    sent = {"name": "Tên Khác", "id_number": OTHER, "filing": "self", **files}
    answer = client.post(url, sent)
    assert answer.status_code == 302, answer.content.decode()
    dossier = Dossier.objects.get()
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Nguyễn Văn An", OWN)


def test_account_page_declares_once_then_locks(client, world):
    client.force_login(world.citizen)
    url = reverse("accounts:account")
    answer = client.post(url, {"full_name": "Nguyễn Văn Dân", "id_number": "001 090 000 001"})
    assert answer.status_code == 302
    identity = CitizenIdentity.objects.get(user=world.citizen)
    assert identity.id_number == OWN  # normalised like every ID number
    client.post(url, {"full_name": "Ai Đó", "id_number": OTHER})
    identity.refresh_from_db()
    assert (identity.id_number, identity.full_name) == (OWN, "Nguyễn Văn Dân")
    assert OWN in client.get(url).content.decode()


def test_account_page_refuses_a_bad_number_in_vietnamese(client, world):
    client.force_login(world.citizen)
    answer = client.post(reverse("accounts:account"), {"full_name": "A", "id_number": "12ab"})
    assert answer.status_code == 400
    assert "12 chữ số" in answer.content.decode()
    assert not CitizenIdentity.objects.exists()


# --- filing for someone else ------------------------------------------------------------


def test_api_representation_is_recorded_with_its_authorisation(world):
    bind(world.citizen)
    answer = api(world.citizen).post(DOSSIERS, body(world.proc, **on_behalf()), format="multipart")
    assert answer.status_code == 201, answer.content
    dossier = Dossier.objects.get()
    # The dossier is in the represented person's name (their lookup finds it) ...
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Phạm Thị Dung", OTHER)
    assert dossier.applicant == world.citizen  # ... and in the representative's account.
    rep = Representation.objects.get(dossier=dossier)
    assert rep.relationship == Representation.Relationship.AUTHORISED
    assert (rep.representative_name, rep.representative_id_number) == ("Nguyễn Văn An", OWN)
    assert rep.representative_verified
    assert rep.authorisation.kind == Attachment.Kind.MANDATE
    assert rep.authorisation.original_name == "giay-uy-quyen.pdf"
    kinds = sorted(dossier.attachments.values_list("kind", flat=True))
    assert kinds.count(Attachment.Kind.MANDATE) == 1
    assert kinds.count(Attachment.Kind.APPLICATION) == world.proc.components.count()
    entry = AuditEntry.objects.get(action="representation_declared")
    assert entry.data["relationship"] == "authorised"


def test_api_representation_needs_the_authorisation(world):
    bind(world.citizen)
    sent = body(world.proc, **on_behalf())
    del sent["authorisation"]
    answer = api(world.citizen).post(DOSSIERS, sent, format="multipart")
    problem(answer, 400, "authorisation_missing")
    assert not Dossier.objects.exists() and not Attachment.objects.exists()


def test_api_representation_needs_the_represented_person(world):
    bind(world.citizen)
    sent = body(world.proc, **on_behalf(represented_name="", represented_id_number=""))
    data = api(world.citizen).post(DOSSIERS, sent, format="multipart").json()
    assert set(data["errors"]) == {"represented_name", "represented_id_number"}


def test_representing_oneself_is_refused(world):
    bind(world.citizen)
    sent = body(world.proc, **on_behalf(represented_id_number=OWN))
    problem(api(world.citizen).post(DOSSIERS, sent, format="multipart"), 400, "self_representation")


def test_representation_needs_the_representatives_own_identity(world):
    sent = body(world.proc, **on_behalf())
    problem(api(world.citizen).post(DOSSIERS, sent, format="multipart"), 400, "identity_missing")
    assert not CitizenIdentity.objects.exists()


def test_unknown_relationship_is_refused(world):
    bind(world.citizen)
    sent = body(world.proc, **on_behalf(representation="neighbour"))
    answer = api(world.citizen).post(DOSSIERS, sent, format="multipart")
    assert answer.status_code == 400 and "representation" in answer.json()["errors"]


def test_service_representation_with_legal_representative(world):
    bind(world.citizen, source="declared")
    result = services.submit(
        procedure=world.proc,
        applicant=services.ApplicantData(name="Nguyễn Văn Bé", id_number="037215000789"),
        actor=world.citizen,
        uploads=factories.uploads_for(world.proc),
        representation=services.RepresentationData(
            relationship="legal", authorisation=factories.pdf("giay-khai-sinh.pdf")
        ),
    )
    rep = result.dossier.representation
    assert rep.relationship_label == "Người đại diện theo pháp luật"
    assert not rep.representative_verified  # a declared identity, not VNeID


def test_portal_representation_requires_the_authorisation(client, world):
    bind(world.citizen)
    client.force_login(world.citizen)
    url = reverse("submit", args=[world.proc.code])
    files = {f"component_{c.pk}": factories.pdf() for c in world.proc.components.all()}
    fields = {
        "filing": "other",
        "representation": "authorised",
        "represented_name": "Phạm Thị Dung",
        "represented_id_number": OTHER,
    }
    refused = client.post(url, {**fields, **files})
    assert refused.status_code == 400
    assert "cần đính kèm giấy ủy quyền" in refused.content.decode()
    assert not Dossier.objects.exists()
    files = {f"component_{c.pk}": factories.pdf() for c in world.proc.components.all()}
    sent = {**fields, **files, "authorisation": factories.pdf("uy-quyen.pdf")}
    assert client.post(url, sent).status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.applicant_id_number == OTHER
    assert dossier.representation.authorisation.original_name == "uy-quyen.pdf"


def test_desk_sees_the_representation(client, world):
    bind(world.citizen)
    api(world.citizen).post(DOSSIERS, body(world.proc, **on_behalf()), format="multipart")
    dossier = Dossier.objects.get()
    client.force_login(world.desk)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert 'id="representation"' in page
    assert "Người được ủy quyền" in page and "Nguyễn Văn An" in page and OWN in page
    assert "giay-uy-quyen.pdf" in page


def test_desk_intake_is_not_bound_to_the_officers_identity(world):
    # The desk types in whoever hands the papers in: no identity lock there.
    result = services.submit(
        procedure=world.proc,
        applicant=factories.applicant(OTHER),
        actor=world.desk,
        channel="desk",
        uploads=factories.uploads_for(world.proc),
    )
    assert result.dossier.applicant_id_number == OTHER
    assert not CitizenIdentity.objects.exists()


def test_local_account_without_identity_must_state_it(world):
    answer = api(world.citizen).post(DOSSIERS, body(world.proc), format="multipart")
    data = problem(answer, 400, "identity_missing")
    assert "khai báo một lần" in data["detail"]
    assert not Dossier.objects.exists() and not CitizenIdentity.objects.exists()
