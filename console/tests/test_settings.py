"""Settings from the environment: databases by their parts, as deployments give them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from console.settings import Settings, audit_key_from_env, engine_url
from console.tests.web import AUDIT_KEY

DEPLOYED = {
    "TRACKER_DB_HOST": "postgres",
    "TRACKER_DB_PORT": "5432",
    "TRACKER_DB_NAME": "rasa",
    "TRACKER_DB_USER": "rasa",
    "TRACKER_DB_PASSWORD": "p@ss/word:#1",
    "CONSOLE_DB_HOST": "postgres",
    "CONSOLE_DB_USER": "console",
    "CONSOLE_DB_PASSWORD": "an@other/one",
    "CONSOLE_AUDIT_KEY": AUDIT_KEY,
    "CONSOLE_FORWARDED_ALLOW_IPS": "127.0.0.1",
}
"""The console's environment in a deployment (deploy/k8s/console.yaml, compose)."""


def test_deployments_name_both_databases_by_their_parts() -> None:
    settings = Settings.from_env(DEPLOYED)
    tracker, own = make_url(settings.tracker_url), make_url(settings.database_url)
    assert (tracker.host, tracker.database, tracker.username, tracker.password) == (
        "postgres",
        "rasa",
        "rasa",
        "p@ss/word:#1",
    )
    assert (own.database, own.username, own.password) == (
        "console",
        "console",
        "an@other/one",
    )
    assert settings.forwarded_allow_ips == "127.0.0.1"
    assert AUDIT_KEY not in repr(settings)


def test_a_url_wins_over_the_parts() -> None:
    urls = {
        "CONSOLE_TRACKER_URL": "sqlite:///t.db",
        "CONSOLE_DATABASE_URL": "sqlite:///c.db",
    }
    settings = Settings.from_env({**DEPLOYED, **urls})
    assert (settings.tracker_url, settings.database_url) == (
        "sqlite:///t.db",
        "sqlite:///c.db",
    )


def test_the_audit_key_comes_from_a_variable_or_a_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "console_audit_key"
    secret.write_text(f"{AUDIT_KEY}\n")
    assert audit_key_from_env({"CONSOLE_AUDIT_KEY_FILE": str(secret)}) == (
        AUDIT_KEY.encode()
    )
    assert audit_key_from_env({"CONSOLE_AUDIT_KEY": f" {AUDIT_KEY}"}) == (
        AUDIT_KEY.encode()
    )
    with pytest.raises(ValueError, match="at least 32"):
        audit_key_from_env({"CONSOLE_AUDIT_KEY": "short"})


def test_a_bare_postgresql_url_gets_the_installed_driver() -> None:
    assert engine_url("postgresql://u:p@h/d").drivername == "postgresql+psycopg2"
    assert engine_url("postgresql+psycopg2://u:p@h/d").drivername == (
        "postgresql+psycopg2"
    )
    assert engine_url("sqlite:///x.db").drivername == "sqlite"
