"""A scripted stand-in for a Rasa server and its action server, for runner tests.

It speaks the few HTTP calls the runner makes (``/status``, the REST webhook, the
tracker API) and keeps events the way Rasa 3.6 does, under the conversation id the
project's REST channel gives them (``rest:<sender>``), so the runner can be tested
for what it sends (metadata, fixtures, tokens) and for stubbed actions without
training or starting the real assistant. Messages it understands:

* ``hi``: ``utter_greet`` with two buttons.
* ``bruising``: slot events and ``utter_escalate_see_doctor``.
* ``fallback``: runs ``action_handle_fallback`` through the action endpoint (the
  runner's stub server, or the fake action server behind it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from channels.conversation_id import conversation_id

TOKEN = "fake-token"


def _bot(response: str | None, text: str, buttons: list[dict[str, str]] | None = None):
    return {
        "event": "bot",
        "text": text,
        "data": {"buttons": buttons},
        "metadata": {"utter_action": response} if response else {},
    }


@dataclass
class FakeRasa:
    """The fake Rasa server (``port``) and fake action server (``actions_port``)."""

    port: int
    action_endpoint: str
    actions_port: int
    rest_token: str | None = None
    trackers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    action_calls: list[str] = field(default_factory=list)
    _runners: list[web.AppRunner] = field(default_factory=list)

    async def start(self) -> None:
        """Start both fake servers on loopback."""
        rasa = web.Application()
        rasa.router.add_get("/status", self._status)
        rasa.router.add_post("/webhooks/rest/webhook", self._webhook)
        rasa.router.add_get("/conversations/{sender}/tracker", self._tracker)
        rasa.router.add_post("/conversations/{sender}/tracker/events", self._append)
        actions = web.Application()
        actions.router.add_post("/webhook", self._action)
        for app, port in ((rasa, self.port), (actions, self.actions_port)):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self._runners.append(runner)

    async def stop(self) -> None:
        """Stop both fake servers."""
        for runner in self._runners:
            await runner.cleanup()

    def _authorised(self, request: web.Request) -> bool:
        return request.query.get("token") == TOKEN

    def _events(self, sender: str) -> list[dict[str, Any]]:
        if sender not in self.trackers:
            self.trackers[sender] = [
                {"event": "action", "name": "action_session_start"},
                {"event": "session_started"},
                {"event": "action", "name": "action_listen"},
            ]
            for event in self.trackers[sender]:
                event["timestamp"] = time.time()
        return self.trackers[sender]

    def _state(self, sender: str) -> dict[str, Any]:
        events = self._events(sender)
        slots: dict[str, Any] = {}
        for event in events:
            if event["event"] == "slot":
                slots[event["name"]] = event["value"]
        return {"sender_id": sender, "events": events, "slots": slots}

    def _add(self, sender: str, *events: dict[str, Any]) -> None:
        for event in events:
            self._events(sender).append({**event, "timestamp": time.time()})

    async def _status(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response(
                {"message": "User is not authenticated."}, status=401
            )
        return web.json_response({"model_file": "fake.tar.gz"})

    async def _tracker(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({}, status=401)
        return web.json_response(self._state(request.match_info["sender"]))

    async def _append(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({}, status=401)
        sender = request.match_info["sender"]
        stamp = time.time()
        events = await request.json()
        self._events(sender)
        self.trackers[sender] += [{**e, "timestamp": stamp} for e in events]
        return web.json_response(self._state(sender))

    async def _webhook(self, request: web.Request) -> web.Response:
        if self.rest_token and request.headers.get("Authorization") != (
            f"Bearer {self.rest_token}"
        ):
            return web.json_response({"error": "unauthorised"}, status=401)
        body = await request.json()
        self.received.append(body)
        # As the project's REST channel files it: the conversation rest:<sender>.
        sender, text = conversation_id("rest", body["sender"]), body["message"]
        self._add(
            sender,
            {
                "event": "user",
                "text": text,
                "metadata": body.get("metadata") or {},
                "parse_data": {"intent": {"name": "greet", "confidence": 1.0}},
            },
        )
        if text == "hi":
            self._add(
                sender,
                {"event": "action", "name": "utter_greet"},
                _bot(
                    "utter_greet",
                    "Hello! How can I help?",
                    [
                        {"title": "I have a cramp", "payload": "/report_cramp"},
                        {"title": "Causes", "payload": "/ask_causes"},
                    ],
                ),
            )
        elif text == "bruising":
            self._add(
                sender,
                {"event": "action", "name": "action_record_red_flags"},
                {"event": "slot", "name": "screen_bruising", "value": "present"},
                {"event": "slot", "name": "triage_level", "value": "see_doctor"},
                {"event": "action", "name": "utter_escalate_see_doctor"},
                _bot("utter_escalate_see_doctor", "Please see a doctor."),
            )
        elif text == "fallback":
            await self._run_custom_action(sender, "action_handle_fallback")
        self._add(sender, {"event": "action", "name": "action_listen"})
        return web.json_response([])

    async def _run_custom_action(self, sender: str, action: str) -> None:
        self._add(sender, {"event": "action", "name": action})
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.action_endpoint}?token=action-secret",
                json={"next_action": action, "sender_id": sender, "tracker": {}},
            ) as response,
        ):
            answer = await response.json()
        for event in answer.get("events") or []:
            self._add(sender, event)
        for reply in answer.get("responses") or []:
            self._add(
                sender,
                _bot(
                    reply.get("response"), reply.get("text") or "", reply.get("buttons")
                ),
            )

    async def _action(self, request: web.Request) -> web.Response:
        if request.query.get("token") != "action-secret":
            return web.json_response({"error": "forbidden"}, status=403)
        body = await request.json()
        self.action_calls.append(body["next_action"])
        return web.json_response(
            {
                "events": [],
                "responses": [{"response": "utter_ask_rephrase", "text": "Say again?"}],
            }
        )
