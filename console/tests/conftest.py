"""Fixtures of the console's tests: a seeded tracker store and a migrated own database."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.settings import Settings
from console.tests.seed import seed_tracker_store


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
        max_failed_logins=3,
        lockout_minutes=15,
    )
