"""Helpers of the HTTP tests: a console app with staff accounts, and signing in."""

from __future__ import annotations

import re

import httpx
from starlette.testclient import TestClient

from console import auth, store
from console.app import create_app
from console.settings import Settings

PASSWORDS = {"ann": "reviewer password 1", "root": "admin password 123"}
AUDIT_KEY = "the console tests' audit key, 32+ characters"
ROLES = {"ann": "reviewer", "root": "admin"}


def app_with_staff(settings: Settings) -> TestClient:
    """A test client of the console with a reviewer (ann) and an admin (root).

    The client speaks HTTPS so that the Secure cookies are sent back.
    """
    app = create_app(settings)
    engine = store.own_engine(settings.database_url)
    for name, password in PASSWORDS.items():
        auth.create_user(engine, username=name, password=password, role=ROLES[name])
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def hidden_csrf(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(
    client: TestClient, username: str, password: str | None = None, *, code: str = ""
) -> httpx.Response:
    """Post the login form (with its CSRF token and a two-factor code); the response."""
    token = hidden_csrf(client.get("/login").text)
    return client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORDS.get(username, "") if password is None else password,
            "code": code,
            "csrf_token": token,
            "next": "/",
        },
    )
