"""The history table on the desk and portal pages: a supplement request lists its papers
with reasons; other events list nothing (Django resolves `data.items` to dict.items() on
an event without that key, which printed a bullet of ': ' per data entry)."""

from tests import factories


def test_submit_event_lists_no_papers_and_the_sheet_is_form_06(client, world):
    dossier = world.submit_online()
    client.force_login(world.desk)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "<li>: </li>" not in page
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu 06)" in page


def test_supplement_event_lists_each_paper_with_its_reason(client, world):
    from motcua.dossiers import services

    dossier = world.submit_online()
    services.request_supplement(
        dossier, world.desk, factories.missing("Tờ khai", reason="Thiếu chữ ký")
    )
    client.force_login(world.desk)
    page = client.get(f"/mot-cua/ho-so/{dossier.code}/").content.decode()
    assert "<li>Tờ khai: Thiếu chữ ký</li>" in page
    client.force_login(world.citizen)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "<li>: </li>" not in page
    assert "Tờ khai: Thiếu chữ ký" in page
