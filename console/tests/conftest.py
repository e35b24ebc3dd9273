"""Fixtures of the console's tests: a seeded tracker store, settings, a test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from console.settings import Settings
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
        max_failed_logins=3,
        lockout_minutes=15,
    )


@pytest.fixture
def client(settings: Settings) -> TestClient:
    """A client of the console with a reviewer (ann) and an admin (root), signed out."""
    return app_with_staff(settings)
