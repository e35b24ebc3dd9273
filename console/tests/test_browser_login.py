"""Signing in to the console in Chromium: nothing shown before, refusals, lockout, roles.

A wrong password, a locked account and an account with two-factor codes signing in
without its code are refused with the same message; a reviewer has no audit log. The
console and the browser are the run's (``server``, ``browser`` and ``page`` in
``console/tests/conftest.py``).
"""

from __future__ import annotations

import time
from urllib.parse import quote

from playwright.sync_api import Page, expect

from console import two_factor
from console.tests.browser import (
    BASE,
    EMERGENCY,
    MAX_FAILED_LOGINS,
    TESS_SECRET,
    sign_in,
)


def test_nothing_is_shown_before_signing_in(page: Page) -> None:
    page.goto(f"{BASE}/conversations/{EMERGENCY['sender_id']}")
    # The conversation id carries its channel (rest:...): its ':' is escaped in next=.
    expect(page).to_have_url(
        f"{BASE}/login?next={quote('/conversations/' + EMERGENCY['sender_id'])}"
    )
    expect(page.locator("h1")).to_have_text("Sign in")
    assert "chest pain" not in page.content()
    sign_in(page, "ann", here=True)
    expect(page).to_have_url(f"{BASE}/conversations/{EMERGENCY['sender_id']}")


def test_a_wrong_password_is_refused(page: Page) -> None:
    sign_in(page, "ann", "wrong password!!")
    expect(page.locator("#login-error")).to_have_text(
        "Wrong user name, password or code."
    )
    page.goto(f"{BASE}/")
    expect(page).to_have_url(f"{BASE}/login?next=/")


def test_the_account_locks_after_repeated_failures(page: Page) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        sign_in(page, "locky", "not it at all")
    sign_in(page, "locky")
    expect(page.locator("#login-error")).to_contain_text("locked")
    page.goto(f"{BASE}/")
    expect(page).to_have_url(f"{BASE}/login?next=/")


def test_an_account_with_two_factor_codes_needs_its_code(page: Page) -> None:
    sign_in(page, "tess")
    expect(page.locator("#login-error")).to_have_text(
        "Wrong user name, password or code."
    )
    sign_in(page, "tess", code=two_factor.current_code(TESS_SECRET, at=time.time()))
    expect(page).to_have_url(f"{BASE}/")
    page.goto(f"{BASE}/admin/audit")
    expect(page.locator("#audit")).to_contain_text("bad_code")


def test_a_reviewer_cannot_open_the_audit_log(page: Page) -> None:
    sign_in(page, "ann")
    expect(page.locator("nav")).not_to_contain_text("Audit log")
    response = page.goto(f"{BASE}/admin/audit")
    assert response is not None and response.status == 403
