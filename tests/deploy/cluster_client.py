"""How the deployment tests talk to a running cluster.

Each Rasa instance, nginx, the console, the HTTP API and the stored events.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import requests
import sqlalchemy as sa

from channels.conversation_id import conversation_id
from deploy import cluster


@dataclasses.dataclass
class RunningCluster:
    """Handles to the running instances."""

    settings: cluster.ClusterSettings
    secrets: cluster.Secrets
    db_url: str

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
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text(
                        "SELECT type_name, action_name FROM events "
                        "WHERE sender_id = :sender ORDER BY id"
                    ),
                    {"sender": conversation_id("rest", sender)},
                )
                return [(row.type_name, row.action_name) for row in rows]
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
