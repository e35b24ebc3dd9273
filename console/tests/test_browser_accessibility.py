"""Every page of the console checked with axe-core in Chromium.

No serious or critical violation on any page, signed in as an admin where the page
needs it; and the check itself finds the violations of a broken page. The console and
the browser are the run's (``console/tests/conftest.py``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from console.tests.browser import BASE, EMERGENCY, axe_violations, sign_in


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/",
        "/conversations",
        f"/conversations/{EMERGENCY['sender_id']}",
        "/safety-case",
        "/admin/audit",
    ],
)
def test_no_serious_or_critical_accessibility_violations(page: Page, path: str) -> None:
    if path != "/login":
        sign_in(page, "root")
    page.goto(f"{BASE}{path}")
    assert axe_violations(page) == []


def test_the_accessibility_check_finds_a_broken_page(page: Page) -> None:
    page.set_content(
        '<html><body><button></button><img src="data:,"><input type="text"></body></html>'
    )
    assert {v["id"] for v in axe_violations(page)} >= {"button-name", "image-alt"}
