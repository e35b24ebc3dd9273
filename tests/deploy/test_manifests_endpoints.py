"""Rasa's production files in deploy/: endpoints and credentials, read as Rasa reads them."""

from __future__ import annotations

import pytest
import yaml

from tests.deploy.manifests import DEPLOY

PROD_ENV = {
    "TRACKER_DB_HOST": "db.internal",
    "TRACKER_DB_PORT": "5433",
    "TRACKER_DB_NAME": "rasa",
    "TRACKER_DB_USER": "rasa",
    "TRACKER_DB_PASSWORD": "s3cret:#with/odd chars",
    "REDIS_HOST": "redis.internal",
    "REDIS_PORT": "6380",
    "REDIS_PASSWORD": "r3dis",
    "ACTION_SERVER_URL": "http://actions:5055/webhook",
    "ACTION_SERVER_TOKEN": "act10n-t0ken",
}


@pytest.fixture
def prod_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Every variable of :data:`PROD_ENV` set; the monkeypatch, to unset one."""
    for name, value in PROD_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_prod_endpoints_expand_the_environment_as_rasa_reads_them(
    prod_environment: pytest.MonkeyPatch,
) -> None:
    from rasa.core.utils import AvailableEndpoints

    endpoints = AvailableEndpoints.read_endpoints(str(DEPLOY / "endpoints.prod.yml"))

    assert (
        endpoints.tracker_store.type
        == "stores.cached_sql_tracker_store.CachedSQLTrackerStore"
    )
    assert endpoints.tracker_store.url == "db.internal"
    assert endpoints.tracker_store.kwargs["dialect"] == "postgresql"
    assert endpoints.tracker_store.kwargs["password"] == PROD_ENV["TRACKER_DB_PASSWORD"]
    assert str(endpoints.tracker_store.kwargs["port"]) == "5433"
    assert endpoints.lock_store.type == "stores.redis_lock_store.AtomicRedisLockStore"
    assert endpoints.lock_store.url == "redis.internal"
    assert endpoints.lock_store.kwargs["password"] == "r3dis"
    assert endpoints.action.url == PROD_ENV["ACTION_SERVER_URL"]
    assert endpoints.action.token == PROD_ENV["ACTION_SERVER_TOKEN"]


def test_prod_endpoints_refuse_to_load_with_a_variable_unset(
    prod_environment: pytest.MonkeyPatch,
) -> None:
    from rasa.core.utils import AvailableEndpoints

    prod_environment.delenv("TRACKER_DB_PASSWORD")

    with pytest.raises(Exception, match="TRACKER_DB_PASSWORD"):
        AvailableEndpoints.read_endpoints(str(DEPLOY / "endpoints.prod.yml"))


def test_prod_credentials_offer_socketio_with_session_persistence() -> None:
    credentials = yaml.safe_load((DEPLOY / "credentials.prod.yml").read_text())
    socket = credentials["channels.socketio.ClinicSocketIOInput"]
    assert socket["session_persistence"] is True
    assert "channels.rest.RestSecureInput" in credentials
