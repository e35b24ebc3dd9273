"""Handles to the test session's cluster (started by ``conftest.py``).

PostgreSQL and Redis, then two Rasa instances, two action servers and nginx, each
started once per session and shared by the tests that need them: a Rasa start-up
takes minutes on a small machine.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable
from typing import Any

import requests
import sqlalchemy as sa

from channels.conversation_id import conversation_id
from deploy import cluster

EMERGENCY_NUMBER = "112"
"""The clinic's emergency number the session's instances are given (the banner's link)."""


@dataclasses.dataclass
class DataServices:
    """The running PostgreSQL and Redis of the test session."""

    settings: cluster.ClusterSettings
    secrets: cluster.Secrets
    postgres: cluster.Postgres
    clinic_page_port: int
    """Port of the clinic's page in the browser tests: the allowed origin."""
    other_page_port: int
    """Port of a page on an origin that is not allowed."""

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


@dataclasses.dataclass
class RunningCluster:
    """The running instances of the session, and what they stored."""

    settings: cluster.ClusterSettings
    secrets: cluster.Secrets
    db_url: str

    def start(self) -> None:
        """Start the action servers, the Rasa instances (side by side) and nginx."""
        self.ensure_up()
        cluster.start_nginx(self.settings, instances=self.indexes)

    def ensure_up(self) -> None:
        """Start whatever instance or action server is not running; wait for all.

        A test may stop an instance (those run last, see ``conftest.py``); a test
        after it finds both up again.
        """
        pids = {}
        for index in self.indexes:
            if not cluster.pid_alive(self._pid(f"actions-{index}")):
                cluster.start_action_server(self.settings, self.secrets, index)
            pid = self._pid(f"rasa-{index}")
            if not cluster.pid_alive(pid):
                pid = cluster.start_rasa_instance(
                    self.settings, self.secrets, index, wait=False
                )
            pids[index] = pid
        for index, pid in pids.items():
            cluster.wait_rasa(self.settings, self.secrets, index, pid=pid)
            cluster.wait_http(
                f"http://127.0.0.1:{self.settings.actions_port(index)}/health",
                timeout=120,
            )

    def route(self, instances: Iterable[int]) -> None:
        """Let nginx send new connections to these instances only (a reload)."""
        cluster.start_nginx(self.settings, instances=list(instances))

    def stop(self) -> None:
        """Stop nginx, the instances and the action servers."""
        cluster.stop_nginx(self.settings)
        for index in self.indexes:
            cluster.stop_named(f"rasa-{index}", self.settings)
            cluster.stop_named(f"actions-{index}", self.settings)

    @property
    def indexes(self) -> range:
        """Indexes of the instances."""
        return range(self.settings.instances)

    def _pid(self, name: str) -> int | None:
        return cluster.read_pid(self.settings.run_dir / f"{name}.pid")

    def instance_url(self, index: int) -> str:
        """Base URL of Rasa instance ``index``."""
        return f"http://127.0.0.1:{self.settings.rasa_port(index)}"

    @property
    def nginx_url(self) -> str:
        """Base URL of nginx."""
        return f"http://127.0.0.1:{self.settings.nginx_port}"

    def say(self, index: int, sender: str, text: str) -> list[dict[str, Any]]:
        """Send ``text`` to instance ``index`` over the REST channel; return the replies."""
        response = requests.post(
            f"{self.instance_url(index)}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=self.rest_headers(),
            timeout=120,
        )
        response.raise_for_status()
        return response.json()

    def rest_headers(self, sender: str | None = None) -> dict[str, str]:
        """The REST channel's bearer token (and nginx's conversation routing key)."""
        headers = {"Authorization": f"Bearer {self.secrets.rest_token}"}
        if sender is not None:
            headers["X-Conversation-Id"] = sender
        return headers

    def tracker(self, index: int, sender: str) -> dict[str, Any]:
        """REST ``sender``'s conversation as instance ``index`` loads it (HTTP API).

        The REST channel files it under ``rest:<sender>``.
        """
        conversation = conversation_id("rest", sender)
        response = requests.get(
            f"{self.instance_url(index)}/conversations/{conversation}/tracker",
            params={"token": self.secrets.rasa_api_token, "include_events": "ALL"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def stored_events(self, sender: str) -> list[tuple[str, str | None]]:
        """(type, action name) of every stored event of REST ``sender``, in order."""
        return [
            (row.type_name, row.action_name)
            for row in self._rows(conversation_id("rest", sender))
        ]

    def stored(self, conversation: str) -> list[dict[str, Any]]:
        """Every event PostgreSQL holds under the conversation id, as Rasa wrote it."""
        return [json.loads(row.data) for row in self._rows(conversation)]

    def _rows(self, conversation: str) -> list[Any]:
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as connection:
                return list(
                    connection.execute(
                        sa.text(
                            "SELECT type_name, action_name, data FROM events "
                            "WHERE sender_id = :conversation ORDER BY id"
                        ),
                        {"conversation": conversation},
                    )
                )
        finally:
            engine.dispose()
