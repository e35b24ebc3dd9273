"""Fixtures of the console's tests: a seeded tracker store, settings, a test client.

``postgres_server_url`` starts one throw-away PostgreSQL server for the whole run, the
first time a test asks for it; tests take databases of their own on it
(``console/tests/postgres.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from console.settings import Settings
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
