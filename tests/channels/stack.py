"""The running channel stack the channel tests talk to (started by conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from channels.conversation_id import conversation_id
from tests.channels.fakes import FakeGraph, FakeSlack, FakeTelegram, FakeTwilio

API_TOKEN = "channels-test-api-token"
REST_TOKEN = "channels-test-rest-token"
"""The REST channel's bearer token (``REST_TOKEN_FILE`` names a file holding it)."""


@dataclass
class Stack:
    """The running servers and the secrets the channels were configured with."""

    rasa_url: str
    telegram: FakeTelegram
    twilio: FakeTwilio
    slack: FakeSlack
    graph: FakeGraph
    env: dict[str, str]

    def tracker(self, sender_id: str) -> dict[str, Any]:
        """Return the conversation tracker of ``sender_id`` through the HTTP API.

        Rasa does not percent-decode the path, so ``+`` and ``:`` are sent as they are.
        """
        answer = requests.get(
            f"{self.rasa_url}/conversations/{quote(sender_id, safe='+:@')}/tracker",
            params={"token": API_TOKEN},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()

    def conversation(self, channel: str, platform_id: str) -> dict[str, Any]:
        """The tracker of ``platform_id``'s conversation on ``channel``.

        That is the namespaced id (``telegram:12345``); nothing the person said may be
        filed under the bare platform id, so this checks that too.
        """
        bare = self.tracker(platform_id)["events"]
        assert not [e for e in bare if e["event"] == "user"], (
            f"messages of {platform_id!r} were filed without the channel's namespace"
        )
        tracker = self.tracker(conversation_id(channel, platform_id))
        assert tracker["sender_id"] == conversation_id(channel, platform_id)
        return tracker
