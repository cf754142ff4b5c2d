"""axe-core over the public pages an anonymous visitor reaches first."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.test_demo_flow import browser  # noqa: F401 - the chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/", "/dang-nhap/", "/tra-cuu/"])
def test_public_pages_have_no_serious_accessibility_violations(
    browser,  # noqa: F811
    live_server,
    world,
    path,
):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        page = context.new_page()
        response = page.goto(path)
        assert response.status == 200
        assert_accessible(page, path)
    finally:
        context.close()


def test_the_check_catches_a_serious_violation(browser):  # noqa: F811
    context = browser.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        page.set_content('<html lang="vi"><body><main><img src="x.png"></main></body></html>')
        with pytest.raises(AssertionError, match="image-alt"):
            assert_accessible(page, "a page with an image without text")
    finally:
        context.close()
