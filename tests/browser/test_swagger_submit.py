"""Swagger UI's "Try it out" submits a dossier with its component files, in Debian's
chromium: the OpenAPI schema describes the multipart body truthfully enough for it."""

from __future__ import annotations

import os

import pytest
from rest_framework.authtoken.models import Token

from motcua.dossiers.models import Dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def browser(monkeypatch, live_server):
    from playwright import sync_api

    assert os.path.exists(CHROMIUM), "Debian chromium is missing: run `make system-deps`"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_try_it_out_submits_a_dossier(browser, live_server, world, tmp_path):
    try:
        _submit(browser, live_server, world, tmp_path)
    finally:
        from django.db import connections

        connections.close_all()


def _submit(browser, live_server, world, tmp_path):
    token = Token.objects.create(user=world.citizen)
    component_ids = list(world.proc.components.order_by("pk").values_list("pk", flat=True))
    files = []
    for pk in component_ids:
        path = tmp_path / f"tp{pk}.pdf"
        path.write_bytes(PDF)
        files.append(path)

    page = browser.new_page(base_url=live_server.url)
    page.goto("/api/docs/")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".dialog-ux")
    token_form = dialog.locator(".auth-container form", has_text="tokenAuth")
    token_form.locator("input").fill(f"Token {token.key}")
    token_form.locator("button.authorize").click()
    dialog.locator("button.close-modal").click()

    operation = page.locator("#operations-dossiers-dossier_submit")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()

    def row(name: str):
        return operation.locator(f"tr[data-property-name='{name}']")

    # Optional fields start empty: no "string" samples to delete before sending.
    samples = operation.locator("tr[data-property-name]")
    filled = {
        samples.nth(i).get_attribute("data-property-name"): [
            field.input_value() for field in samples.nth(i).locator("input[type=text]").all()
        ]
        for i in range(samples.count())
    }
    required = {"procedure_code", "applicant_name", "applicant_id_number"}
    assert [n for n, values in filled.items() if "string" in values and n not in required] == []
    row("procedure_code").locator("input[type=text]").fill(world.proc.code)
    row("applicant_name").locator("input[type=text]").fill("Nguyễn Văn Dân")
    row("applicant_id_number").locator("input[type=text]").fill("001090000001")
    for index, (pk, path) in enumerate(zip(component_ids, files, strict=True)):
        row("component_files").get_by_role("button", name="Add string item").click()
        row("component_files").locator("input[type=file]").nth(index).set_input_files(str(path))
        row("component_ids").get_by_role("button", name="Add integer item").click()
        row("component_ids").locator("input").nth(index).fill(str(pk))
    page.screenshot(path=str(tmp_path / "swagger-filled.png"), full_page=True)

    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=15_000)
    page.screenshot(path=str(tmp_path / "swagger-answer.png"), full_page=True)
    answer = operation.locator(".live-responses-table").inner_text()
    curl = operation.locator(".curl-command").inner_text()
    assert status.inner_text().strip() == "201", f"{curl}\n{answer}"

    dossier = Dossier.objects.get(applicant_id_number="001090000001")
    attached = {a.original_name: a.component_id for a in dossier.attachments.all()}
    assert attached == {f"tp{pk}.pdf": pk for pk in component_ids}
