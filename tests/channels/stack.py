"""The running channel stack the channel tests talk to (started by conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from tests.channels.fakes import FakeGraph, FakeSlack, FakeTelegram, FakeTwilio

REPO = Path(__file__).resolve().parents[2]
API_TOKEN = "channels-test-api-token"


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

    def user_texts(self, sender_id: str) -> list[str]:
        """Return what Rasa recorded as user messages of ``sender_id``."""
        return [
            e.get("text") or ""
            for e in self.tracker(sender_id)["events"]
            if e["event"] == "user"
        ]
