"""How the deployment tests start, share and talk to the session's cluster.

PostgreSQL and Redis (``DataServices``), then two Rasa instances, two action servers,
the safety console and nginx (``RunningCluster``), each started once per session by
``conftest.py`` and shared by the tests that need them: a Rasa start-up takes minutes
on a small machine. Through these handles the tests reach each instance, nginx, the
console, the HTTP API and the stored events.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import uuid
from collections.abc import Iterable, Iterator
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


@contextlib.contextmanager
def clinic_environment() -> Iterator[None]:
    """The clinic's details in the environment while the session's servers start.

    They reach the instances from the environment, as with ``make cluster``; only
    what starts meanwhile takes them (not a cluster a later test starts its own way).
    """
    saved = os.environ.get("EMERGENCY_NUMBER")
    os.environ["EMERGENCY_NUMBER"] = EMERGENCY_NUMBER
    try:
        yield
    finally:
        if saved is None:
            del os.environ["EMERGENCY_NUMBER"]
        else:
            os.environ["EMERGENCY_NUMBER"] = saved


def stop_started(settings: cluster.ClusterSettings) -> None:
    """Stop nginx and every process the cluster's state folder started.

    PostgreSQL and Redis (the session's data services) keep running.
    """
    cluster.stop_nginx(settings)
    for pid_file in sorted(settings.run_dir.glob("*.pid")):
        cluster.stop_named(pid_file.stem, settings)


@dataclasses.dataclass
class RunningCluster:
    """The running instances of the session, and what they stored."""

    settings: cluster.ClusterSettings
    secrets: cluster.Secrets
    db_url: str

    def ensure_up(self) -> None:
        """Start whatever is not running (instances side by side); wait for all.

        A test may stop an instance (those run last, see ``conftest.py``); a test
        after it finds both up again. The console starts before nginx, which then
        serves it on its own port.
        """
        pids = {}
        with clinic_environment():
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
        if not cluster.pid_alive(self._pid("console")):
            cluster.start_console(self.settings, self.secrets)
        _, nginx_pid = cluster.nginx_paths(self.settings)
        if not cluster.pid_alive(cluster.read_pid(nginx_pid)):
            cluster.start_nginx(self.settings, instances=self.indexes)

    def route(self, instances: Iterable[int]) -> None:
        """Let nginx send new connections to these instances only (a reload)."""
        cluster.start_nginx(self.settings, instances=list(instances))

    def stop(self) -> None:
        """Stop nginx, the console, the instances and the action servers."""
        stop_started(self.settings)

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

    @property
    def console_url(self) -> str:
        """Base URL of the safety console, through nginx."""
        return f"http://127.0.0.1:{self.settings.nginx_console_port}"

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


def user_texts(tracker: dict[str, Any]) -> list[str]:
    """Texts of the user events of a tracker, in order."""
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def assert_turns_not_interleaved(events: list[tuple[str, str | None]]) -> None:
    """Two instances never worked on one turn at once.

    Every user message is followed by the bot's turn, ending in action_listen, before
    the next user message.
    """
    listening = True
    for type_name, action_name in events:
        if type_name == "user":
            assert listening, f"user message while a turn was open: {events}"
            listening = False
        elif type_name == "action" and action_name == "action_listen":
            listening = True
    assert listening
