"""The widget's socket probed as a second browser would: no way into another conversation.

A real Rasa server with the project's socket channel (channels/socketio.py), and
python-socketio clients without an Origin header, as a script would connect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from channels.conversation_id import conversation_id
from supervisor.assistant import Assistant
from tests.security.servers import assistant_config, user_texts

API_TOKEN = "socket-test-api-token"
CREDENTIALS = """\
channels.rest.RestSecureInput:
channels.socketio.ClinicSocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""


@pytest.fixture(scope="module")
def rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = assistant_config(
        tmp_path_factory.mktemp("socket"),
        API_TOKEN,
        credentials_text=CREDENTIALS,
        env={"WIDGET_SESSION_SECRET": "socket-test-secret"},
    )
    with Assistant(config):
        yield config.url


class Tab:
    """One socket.io client: a browser tab, or a script posing as one."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient()
        self.confirmed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client.on("session_confirm", self.confirmed.put)
        self.client.on("bot_uttered", self.replies.put)

    async def open(self, rasa: str, request: dict[str, Any]) -> dict[str, Any]:
        await self.client.connect(rasa, transports=["polling"])
        await self.client.emit("session_request", request)
        return await asyncio.wait_for(self.confirmed.get(), 30)

    async def say(self, message: str, **extra: Any) -> dict[str, Any]:
        await self.client.emit("user_uttered", {"message": message, **extra})
        return await asyncio.wait_for(self.replies.get(), 60)

    async def close(self) -> None:
        await self.client.disconnect()


def test_another_tab_cannot_join_or_write_into_a_conversation(rasa: str) -> None:
    async def scenario() -> None:
        owner = Tab()
        mine = await owner.open(rasa, {})
        assert set(mine) == {"session_id", "token"}
        await owner.say("hello")

        tabs = [owner]
        for request in (
            {"session_id": mine["session_id"]},
            {"session_id": mine["session_id"], "token": "forged"},
            {"session_id": mine["session_id"], "token": mine["token"][:-2]},
        ):
            intruder = Tab()
            tabs.append(intruder)
            given = await intruder.open(rasa, request)
            assert given["session_id"] != mine["session_id"]
        theirs = given
        await intruder.say("I can't walk", session_id=mine["session_id"])
        await intruder.say("no", session_id="whatsapp:+15550001")

        back = Tab()
        tabs.append(back)
        resumed = await back.open(rasa, mine)
        assert resumed["session_id"] == mine["session_id"]
        await asyncio.gather(*(tab.close() for tab in tabs))

        def stored(session_id: str) -> list[str]:
            return user_texts(rasa, conversation_id("socketio", session_id), API_TOKEN)

        assert stored(mine["session_id"]) == ["hello"]
        assert stored(theirs["session_id"]) == ["I can't walk", "no"]
        for other in ("whatsapp:+15550001", "twilio:whatsapp:+15550001"):
            assert user_texts(rasa, other, API_TOKEN) == []
        # Nothing is filed under a bare session id either.
        assert user_texts(rasa, mine["session_id"], API_TOKEN) == []

    asyncio.run(scenario())
