"""A dossier through its procedure's internal process in Debian's chromium (issue 8 item 9;
NĐ 118/2025, TT 03/2025): the officers log in in turn and use only the desk pages. The desk
receives; a specialist appraises; the department's specialist and the Department of
Justice's specialist work their parallel legs; the specialist drafts the result (a PDF); the
leader sends it back with a reason; the specialist drafts again; the leader signs (PAdES);
the result is issued and, at the citizen's request, collected at the desk by an authorised
person. Screenshots go to $MOTCUA_SCREENSHOTS when set (the test's tmp_path otherwise)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

from motcua.catalog.models import Officer
from motcua.dossiers.models import Attachment, DossierStep, Status
from motcua.signing.models import SignedResult
from tests import factories
from tests.browser.test_demo_flow import (  # noqa: F401 - chromium fixture
    _session,
    browser,
    open_action,
    send_action,
)
from tests.process_helpers import build_process
from tests.signing.helpers import give_key, result_pdf, use_test_keys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEND_BACK_REASON = "Dự thảo ghi sai tên chủ đầu tư, đề nghị sửa lại"
AUTHORISED = ("Trần Thị Nhận", "001190000002", "Giấy ủy quyền số 12/UQ ngày 05/01/2026")


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp_path) / "process-flow"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_dossier_through_an_inter_agency_process_with_a_send_back_and_a_signature(
    browser,  # noqa: F811
    live_server,
    world,
    settings,
    tmp_path,
    shots,
):
    try:
        _process_flow(browser, live_server, world, settings, tmp_path, shots)
    finally:
        # The ORM calls made while Playwright runs hold their own connection: close it,
        # or the test database cannot be dropped.
        from django.db import connections

        connections.close_all()


def _local(value) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def _cells(page, order: int) -> list[str]:
    """The process table's row of step `order`: name, agency, hours, start, due, end, state."""
    return [c.strip() for c in page.locator(f'tr[data-step-order="{order}"] td').all_inner_texts()]


def _step_action(page, action: str, step: DossierStep, *, shot: Path | None = None, **fill):
    """Pick the open step in the action's form, fill the rest, send, expect success."""
    form = open_action(page, action)
    form.locator(f"select[name='{action}-step']").select_option(str(step.pk))
    for name, value in fill.items():
        field = form.locator(f"[name='{action}-{name}']")
        if name == "files":
            field.set_input_files(value)
        elif name == "to_order":
            field.select_option(str(value))
        else:
            field.fill(value)
    if shot is not None:
        form.scroll_into_view_if_needed()
        page.screenshot(path=str(shot), full_page=True)
    send_action(page, action)


def _open_step(dossier, order: int) -> DossierStep:
    return dossier.steps.get(order=order, finished_at=None)


def _process_flow(browser, live_server, world, settings, tmp_path, shots):  # noqa: F811
    use_test_keys(settings, tmp_path)
    give_key(world.leader)
    version = build_process(world)
    other_specialist = factories.officer(
        world.other_dept, Officer.Role.SPECIALIST, "other-specialist"
    )
    dossier = world.submit_online()
    code = dossier.code
    url = f"/mot-cua/ho-so/{code}/"
    draft_path = tmp_path / "du-thao-giay-phep.pdf"
    draft_path.write_bytes(result_pdf())
    contexts = []

    def login(user):
        context, page = _session(browser, live_server, user.username)
        contexts.append(context)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        return page

    # --- desk: receives it; the process version is fixed and its first step opens ------
    page = login(world.desk)
    open_action(page, "receive")
    send_action(page, "receive")
    assert "Được tiếp nhận" in page.locator("#status-name").inner_text()
    dossier.refresh_from_db()
    assert dossier.process_version == version
    first = _open_step(dossier, 1)
    process = page.locator("#process")
    assert f"v{version.number}" in process.locator("h2").inner_text()
    assert _cells(page, 1)[3:6] == [_local(first.started_at), _local(first.due_at), "—"]
    assert "Đang xử lý" in _cells(page, 1)[6]
    assert _cells(page, 2)[4] == "—"  # not yet started: no due time
    page.screenshot(path=str(shots / "1-received.png"), full_page=True)

    # --- specialist: takes the appraisal step and completes it -------------------------
    page = login(world.specialist)
    _step_action(page, "take_step", first, note="Nhận thẩm định")
    assert "Đang xử lý" in page.locator("#status-name").inner_text()
    _step_action(page, "complete_step", first, note="Hồ sơ đủ điều kiện")
    dossier.refresh_from_db()
    opinion, site = _open_step(dossier, 2), _open_step(dossier, 3)
    assert opinion.agency == world.other_dept and site.agency == world.dept
    # Both legs started together, each with its own due time, shown on the page.
    row2, row3 = _cells(page, 2), _cells(page, 3)
    assert "song song" in row2[0] and "song song" in row3[0]
    assert row2[1] == "Sở Tư pháp" and row3[1] == "Sở Xây dựng"
    assert row2[3] == row3[3] == _local(opinion.started_at)
    assert (row2[4], row3[4]) == (_local(opinion.due_at), _local(site.due_at))
    assert opinion.due_at > site.due_at  # 6 working hours against 4
    page.screenshot(path=str(shots / "2-parallel-legs.png"), full_page=True)

    # --- the Department of Justice's specialist: their leg only -----------------------
    page = login(other_specialist)
    form = open_action(page, "complete_step")
    choices = form.locator("select[name='complete_step-step'] option").all_inner_texts()
    assert choices == ["2. Lấy ý kiến Sở Tư pháp — Sở Tư pháp"]
    _step_action(page, "take_step", opinion, note="Nhận cho ý kiến")
    _step_action(
        page,
        "complete_step",
        opinion,
        note="Đồng ý về mặt pháp lý",
        shot=shots / "3-opinion.png",
    )

    # --- the department's specialist: the site check, then the draft ------------------
    page = login(world.specialist)
    assert "Hoàn thành" in _cells(page, 2)[6]  # the other leg, as this officer sees it
    _step_action(page, "take_step", site, note="Đi kiểm tra thực địa")
    _step_action(page, "complete_step", site, note="Đúng hiện trạng")
    dossier.refresh_from_db()
    draft = _open_step(dossier, 4)
    site.refresh_from_db()
    assert draft.started_at >= site.finished_at  # the draft waited for the last leg
    _step_action(page, "complete_step", draft, files=str(draft_path))
    assert dossier.attachments.filter(kind=Attachment.Kind.DRAFT).count() == 1

    # --- leader: sends the draft back with a reason ------------------------------------
    page = login(world.leader)
    review = _open_step(dossier, 5)
    _step_action(
        page,
        "send_back",
        review,
        to_order=4,
        reason=SEND_BACK_REASON,
        shot=shots / "4-send-back-form.png",
    )
    body = page.locator("main").inner_text()
    assert SEND_BACK_REASON in page.locator("ul.step-runs").inner_text()
    assert "Trả lại bước trước" in body and SEND_BACK_REASON in body  # control sheet
    assert "Trả lại" in _cells(page, 5)[6]
    redraft = _open_step(dossier, 4)
    assert redraft.round == 2
    assert "Đang xử lý" in _cells(page, 4)[6]
    assert _cells(page, 4)[4] == _local(redraft.due_at)  # the new round's due time
    page.screenshot(path=str(shots / "5-sent-back.png"), full_page=True)

    # --- specialist drafts again ------------------------------------------------------
    page = login(world.specialist)
    assert SEND_BACK_REASON in page.locator("main").inner_text()
    _step_action(page, "complete_step", redraft, files=str(draft_path), note="Đã sửa tên")

    # --- leader: passes the review and signs ------------------------------------------
    page = login(world.leader)
    _step_action(page, "complete_step", _open_step(dossier, 5), note="Trình ký")
    _step_action(page, "sign", _open_step(dossier, 6), note="Ký duyệt")
    signed = SignedResult.objects.get(dossier=dossier)
    assert signed.signer == world.leader
    signature = page.locator("p.signature").inner_text()
    assert signature.startswith("✔") and "Đã ký số bởi" in signature
    assert "hợp lệ" in signature and "KHÔNG" not in signature
    page.screenshot(path=str(shots / "6-signed.png"), full_page=True)

    # --- specialist issues it: number -KQ1, status 9 ----------------------------------
    page = login(world.specialist)
    _step_action(page, "complete_step", _open_step(dossier, 7), note="Vào sổ, ban hành")
    assert "Đã xử lý xong" in page.locator("#status-name").inner_text()
    dossier.refresh_from_db()
    assert dossier.result_code == f"{code}-KQ1"
    assert dossier.result_code in page.locator("main").inner_text()
    assert not dossier.steps.filter(finished_at=None).exists()

    # --- desk: the citizen asked to collect it at the desk; an authorised person does --
    page = login(world.desk)
    assert "Trả trực tuyến" in page.locator("#return-channel").inner_text()
    change = open_action(page, "change_return_channel")
    change.locator("input[name='change_return_channel-return_channel'][value='desk']").check()
    change.locator("[name='change_return_channel-note']").fill("Công dân đề nghị")
    change.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert "Trả tại bộ phận một cửa" in page.locator("#return-channel").inner_text()
    form = open_action(page, "return_result")
    form.locator("input[name='return_result-recipient'][value='authorised']").check()
    name, id_number, note = AUTHORISED
    form.locator("input[name='return_result-recipient_name']").fill(name)
    form.locator("input[name='return_result-recipient_id_number']").fill(id_number)
    form.locator("[name='return_result-recipient_note']").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert "Đã trả kết quả" in page.locator("#status-name").inner_text()
    assert f"{name} – {id_number}" in page.locator("#result-recipient").inner_text()
    page.screenshot(path=str(shots / "7-returned.png"), full_page=True)

    # --- the national statuses, in order, from the event log --------------------------
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    statuses = list(dossier.events.order_by("at", "id").values_list("national_status", flat=True))
    distinct = [s for i, s in enumerate(statuses) if i == 0 or s != statuses[i - 1]]
    assert distinct == [1, 2, 4, 9, 10]
    actions = list(dossier.events.order_by("at", "id").values_list("action", flat=True))
    assert actions[:3] == ["submit", "receive", "take_step"]
    assert "send_back" in actions and actions.index("send_back") < actions.index("sign")
    assert actions[-3:] == ["finish", "change_return_channel", "return_result"]

    for context in contexts:
        context.close()
