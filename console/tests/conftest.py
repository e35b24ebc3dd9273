"""Fixtures of the console's tests: a seeded tracker store, settings, a test client.

``postgres_server_url`` starts one throw-away PostgreSQL server for the whole run, the
first time a test asks for it; tests take databases of their own on it
(``console/tests/postgres.py``). Likewise ``server`` starts the console
(``python -m console serve``) on the recorded conversations, with its own database in a
temporary folder, and ``browser`` headless Chromium, once for every browser test
(``test_browser_*.py``; their helpers are in ``console/tests/browser.py``); ``page``
is a fresh page of it that fails the test on any error in the page's console.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.testclient import TestClient

from console import auth, store
from console.settings import Settings
from console.tests.browser import (
    BASE,
    CHROMIUM,
    CHROMIUM_ARGS,
    MAX_FAILED_LOGINS,
    PORT,
    REPO,
    STAFF,
    TESS_SECRET,
)
from console.tests.postgres import fresh_database, postgres_server
from console.tests.seed import seed_tracker_store
from console.tests.web import AUDIT_KEY, app_with_staff


@pytest.fixture
def tracker_db(tmp_path: Path) -> Path:
    """An SQLite tracker store holding the recorded conversations."""
    path = tmp_path / "conversations.db"
    seed_tracker_store(path)
    return path


@pytest.fixture
def settings(tmp_path: Path, tracker_db: Path) -> Settings:
    """Settings pointing at the seeded tracker store and a fresh console database."""
    report = tmp_path / "safety-case.md"
    report.write_text(
        "# Clinical safety case\n\n| Hazard | Risk |\n|---|---|\n| H1 | low |\n"
    )
    return Settings(
        tracker_url=f"sqlite:///{tracker_db}",
        database_url=f"sqlite:///{tmp_path / 'console.db'}",
        safety_case=report,
        audit_key=AUDIT_KEY.encode(),
        audit_anchor_file=tmp_path / "anchors" / "audit-anchors.log",
        max_failed_logins=3,
        lockout_minutes=15,
    )


@pytest.fixture
def client(settings: Settings) -> TestClient:
    """A client of the console with a reviewer (ann) and an admin (root), signed out."""
    return app_with_staff(settings)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """The URL of a PostgreSQL server shared by the run (its ``postgres`` database)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def console_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database for the console's tables: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'console.db'}"
    return fresh_database(request.getfixturevalue("postgres_server_url"))


def _wait_until_up(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the console exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{BASE}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise TimeoutError("the console did not start")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console on the recorded conversations, with three staff accounts."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            pytest.fail(f"port {PORT} is in use; set CONSOLE_TEST_PORT")
    work = tmp_path_factory.mktemp("console-browser")
    tracker = work / "conversations.db"
    seed_tracker_store(tracker)
    report = work / "safety-case.md"
    report.write_text("# Clinical safety case\n\nAll hazards controlled.\n")
    env = {
        **os.environ,
        "CONSOLE_TRACKER_URL": f"sqlite:///{tracker}",
        "CONSOLE_DATABASE_URL": f"sqlite:///{work / 'console.db'}",
        "CONSOLE_SAFETY_CASE": str(report),
        "CONSOLE_PORT": str(PORT),
        "CONSOLE_MAX_FAILED_LOGINS": str(MAX_FAILED_LOGINS),
        "CONSOLE_AUDIT_KEY": AUDIT_KEY,
    }
    engine = store.own_engine(env["CONSOLE_DATABASE_URL"])
    store.migrate(engine, audit_key=AUDIT_KEY.encode())
    for name, (role, password) in STAFF.items():
        auth.create_user(engine, username=name, password=password, role=role)
    auth.enrol_totp(engine, username="tess", secret=TESS_SECRET)
    log = (work / "console.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "serve"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(process)
        yield BASE
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield page
    context.close()
    # Chromium logs a refused login (401) or a forbidden page (403) as a failed load.
    expected = ("status of 401 (Unauthorized)", "status of 403 (Forbidden)")
    assert [e for e in errors if not e.endswith(expected)] == []
