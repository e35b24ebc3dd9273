"""Fixtures for the deployment tests: real PostgreSQL, Redis, Rasa instances and nginx.

Everything runs on free loopback ports with state under ``var/test-deploy/`` (PostgreSQL
must be able to traverse the path, so not under /tmp/pytest-of-root), and is stopped at
the end of the session. The servers come from Debian's packages (``make test-deploy``
installs them through ``deploy/install-debs.sh``). ``compose`` is the parsed Compose
file the manifest tests share (their helpers are in ``tests/deploy/manifests.py``).
"""

from __future__ import annotations

import dataclasses
import os
import random
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy import cluster

STATE_DIR = cluster.REPO / "var" / "test-deploy"


def free_port_block(size: int) -> int:
    """Return the first of ``size`` consecutive free ports.

    Below Linux's ephemeral range (32768+), so that no outgoing connection takes one
    of them meanwhile.
    """
    for _ in range(200):
        start = random.randrange(20_000, 32_000 - size)
        ports = range(start, start + size)
        if all(_port_free(port) for port in ports):
            return start
    raise RuntimeError("no block of free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclasses.dataclass
class DataServices:
    """The running PostgreSQL and Redis of the test session."""

    settings: cluster.ClusterSettings
    secrets: cluster.Secrets
    postgres: cluster.Postgres

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.postgres.ensure_database(name, "rasa", self.secrets.tracker_db_password)
        return (
            f"postgresql://rasa:{self.secrets.tracker_db_password}"
            f"@127.0.0.1:{self.settings.postgres_port}/{name}"
        )

    @property
    def tracker_db_url(self) -> str:
        """URL of the database the Rasa instances use."""
        return (
            f"postgresql://rasa:{self.secrets.tracker_db_password}"
            f"@127.0.0.1:{self.settings.postgres_port}/rasa"
        )


@pytest.fixture(scope="session")
def data_services() -> Iterator[DataServices]:
    """Start PostgreSQL and Redis for the session; stop them afterwards."""
    cluster.install_debian_packages()
    # A fresh cluster each session: also the services' folder an earlier checkout at
    # this path may have left outside the state folder (root runs).
    stale = cluster.ClusterSettings(state_dir=STATE_DIR)
    if STATE_DIR.exists():
        cluster.stop_cluster(stale)
    cluster.remove_state(stale)
    # One block of free ports, so no two services can be handed the same port.
    base = int(os.environ.get("DEPLOY_TEST_PORT_BASE") or free_port_block(9))
    settings = cluster.ClusterSettings(
        state_dir=STATE_DIR,
        instances=2,
        rasa_base_port=base,
        actions_base_port=base + 2,
        nginx_port=base + 4,
        postgres_port=base + 5,
        redis_port=base + 6,
        console_port=base + 7,
        nginx_console_port=base + 8,
        expose_rest=True,
        cors_origins=("https://clinic.example",),
        client_max_body_size="4k",
        rate_limit="500r/s",
        rate_burst=500,
        model=Path(
            os.environ.get("DEPLOY_TEST_MODEL")
            or cluster.REPO / "models/hamstring.tar.gz"
        ),
    )
    secrets = cluster.Secrets.load_or_create(STATE_DIR)
    cluster.start_data_services(settings, secrets)
    postgres, _ = cluster.data_services(settings, secrets)
    try:
        yield DataServices(settings, secrets, postgres)
    finally:
        cluster.stop_cluster(settings)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty tracker store database: a fresh PostgreSQL database, or a SQLite file."""
    if request.param == "sqlite":
        path = tmp_path / "rasa.db"
        sqlite3.connect(path).close()
        return f"sqlite:///{path}"
    services: DataServices = request.getfixturevalue("data_services")
    return services.new_database()


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """deploy/docker-compose.yml, parsed."""
    return yaml.safe_load((cluster.DEPLOY / "docker-compose.yml").read_text())
