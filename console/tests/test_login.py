"""Signing in and out over HTTP: hardened cookies, refusals, lockout, safe redirects."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from console.settings import Settings
from console.tests.web import app_with_staff, hidden_csrf, sign_in


def test_login_sets_a_hardened_session_cookie(client: TestClient) -> None:
    response = sign_in(client, "ann")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        h
        for h in response.headers.get_list("set-cookie")
        if h.startswith("console_session=")
    )
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"


def test_cookies_can_drop_secure_for_plain_http_on_localhost(
    settings: Settings,
) -> None:
    from dataclasses import replace

    client = app_with_staff(replace(settings, secure_cookies=False))
    cookie = sign_in(client, "ann").headers["set-cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_a_wrong_password_is_refused_and_audited(client: TestClient) -> None:
    response = sign_in(client, "ann", "not the password")
    assert response.status_code == 401
    assert "Wrong user name, password or code." in response.text
    assert client.get("/").status_code == 303
    sign_in(client, "root")
    audit = client.get("/admin/audit.csv").text
    assert "ann,login_refused,,bad_credentials" in audit


def test_the_account_locks_after_repeated_failures(
    client: TestClient, settings: Settings
) -> None:
    for _ in range(settings.max_failed_logins):
        sign_in(client, "ann", "guess")
    response = sign_in(client, "ann")
    assert response.status_code == 401 and "locked" in response.text
    assert client.get("/").status_code == 303


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/conversations?level=urgent", "/conversations?level=urgent"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("https://evil.example/", "/"),
    ],
)
def test_login_returns_only_to_local_pages(
    client: TestClient, target: str, landing: str
) -> None:
    token = hidden_csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": "ann",
            "password": "reviewer password 1",
            "csrf_token": token,
            "next": target,
        },
    )
    assert response.headers["location"] == landing
