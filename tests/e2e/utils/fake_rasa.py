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
* ``delete``: ``utter_conversation_deleted``, and the conversation is dropped a moment
  after the answer (as the project's deletion runs once the turn is stored);
  ``forget``: the same, dropped before the answer (the runner cannot read the turn).

It answers with the REST replies of the bot messages of the turn.

Every request's host and path are kept (``requests``), with the REST messages'
``X-Conversation-Id`` header (``conversation_headers``); ``rate_limited`` refuses the
next REST messages with HTTP 429, and ``rate_limit`` (rate a second, burst) refuses
REST messages beyond a rate as nginx's ``limit_req ... nodelay`` does.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from channels.conversation_id import conversation_id
from e2e.cases import Suite
from e2e.results import SuiteResult
from e2e.runner import run_suite
from tests.e2e.utils.events import SESSION, action, bot, slot, user
from tests.e2e.utils.settings import FAKE_ACTIONS_PORT, FAKE_RASA_PORT, STUB_PORT
from tests.helpers.loopback import serve

TOKEN = "fake-token"
DELETION_DELAY_S = 0.3


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
    rate_limited: int = 0  # the next this many REST messages are refused with 429
    rate_limit: tuple[float, int] | None = None  # (per second, burst), as nginx's
    refused: list[float] = field(default_factory=list)  # when each 429 was sent
    accepted: list[float] = field(default_factory=list)  # when each message came in
    _excess: float = 0.0
    _last: float | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)
    conversation_headers: list[str | None] = field(default_factory=list)
    _runners: list[web.AppRunner] = field(default_factory=list)

    async def start(self) -> None:
        """Start both fake servers on loopback."""
        rasa = web.Application(middlewares=[self._remember])
        rasa.router.add_get("/status", self._status)
        rasa.router.add_post("/webhooks/rest/webhook", self._webhook)
        rasa.router.add_get("/conversations/{sender}/tracker", self._tracker)
        rasa.router.add_post("/conversations/{sender}/tracker/events", self._append)
        actions = web.Application()
        actions.router.add_post("/webhook", self._action)
        for app, port in ((rasa, self.port), (actions, self.actions_port)):
            self._runners.append(await serve(app, port))

    async def stop(self) -> None:
        """Stop both fake servers."""
        for runner in self._runners:
            await runner.cleanup()

    @web.middleware
    async def _remember(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.host, request.path))
        return await handler(request)

    def _authorised(self, request: web.Request) -> bool:
        return request.query.get("token") == TOKEN

    def _events(self, sender: str) -> list[dict[str, Any]]:
        if sender not in self.trackers:
            self.trackers[sender] = [{**e, "timestamp": time.time()} for e in SESSION]
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

    def _over_the_rate(self) -> bool:
        """As nginx's leaky bucket: ``burst`` requests ahead of the rate, none beyond."""
        if self.rate_limit is None:
            return False
        rate, burst = self.rate_limit
        now = time.monotonic()
        elapsed = 0.0 if self._last is None else now - self._last
        excess = max(self._excess - rate * elapsed + 1, 0.0)
        if excess > burst:
            return True  # a refused request leaves the bucket as it was
        self._excess, self._last = excess, now
        return False

    async def _webhook(self, request: web.Request) -> web.Response:
        if self.rest_token and request.headers.get("Authorization") != (
            f"Bearer {self.rest_token}"
        ):
            return web.json_response({"error": "unauthorised"}, status=401)
        if self.rate_limited:
            self.rate_limited -= 1
            return web.Response(status=429, headers={"Retry-After": "0"})
        if self._over_the_rate():
            self.refused.append(time.monotonic())
            return web.Response(status=429)  # nginx's limit_req sends no Retry-After
        self.accepted.append(time.monotonic())
        body = await request.json()
        self.received.append(body)
        self.conversation_headers.append(request.headers.get("X-Conversation-Id"))
        # As the project's REST channel files it: the conversation rest:<sender>.
        sender, text = conversation_id("rest", body["sender"]), body["message"]
        before = len(self._events(sender))
        self._add(
            sender, {**user(text, "greet"), "metadata": body.get("metadata") or {}}
        )
        if text == "hi":
            self._add(
                sender,
                action("utter_greet"),
                bot(
                    "utter_greet",
                    "Hello! How can I help?",
                    buttons=[
                        {"title": "I have a cramp", "payload": "/report_cramp"},
                        {"title": "Causes", "payload": "/ask_causes"},
                    ],
                ),
            )
        elif text == "bruising":
            self._add(
                sender,
                action("action_record_red_flags"),
                slot("screen_bruising", "present"),
                slot("triage_level", "see_doctor"),
                action("utter_escalate_see_doctor"),
                bot("utter_escalate_see_doctor", "Please see a doctor."),
            )
        elif text == "fallback":
            await self._run_custom_action(sender, "action_handle_fallback")
        elif text in ("delete", "forget"):
            self._add(
                sender,
                action("action_delete_conversation"),
                bot("utter_conversation_deleted", "Done: deleted in a moment."),
            )
        self._add(sender, action("action_listen"))
        replies = [
            {"recipient_id": body["sender"], "text": event["text"]}
            for event in self._events(sender)[before:]
            if event["event"] == "bot"
        ]
        if text == "delete":
            asyncio.get_running_loop().call_later(
                DELETION_DELAY_S, self.trackers.pop, sender, None
            )
        elif text == "forget":
            self.trackers.pop(sender, None)
        return web.json_response(replies)

    async def _run_custom_action(self, sender: str, name: str) -> None:
        self._add(sender, action(name))
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.action_endpoint}?token=action-secret",
                json={
                    "next_action": name,
                    "sender_id": sender,
                    "tracker": {"latest_message": {"intent": {"name": "greet"}}},
                },
            ) as response,
        ):
            answer = await response.json()
        for event in answer.get("events") or []:
            self._add(sender, event)
        for reply in answer.get("responses") or []:
            self._add(
                sender,
                bot(
                    reply.get("response"),
                    reply.get("text") or "",
                    buttons=reply.get("buttons"),
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


def run_against_fake(
    suite: Suite,
    *,
    token: str = TOKEN,
    fake_rest_token: str | None = None,
    rate_limited: int = 0,
    rate_limit: tuple[float, int] | None = None,
    **options: Any,
) -> tuple[SuiteResult, FakeRasa]:
    """Run ``suite`` with the runner against a fresh :class:`FakeRasa`; return both.

    The fake's action endpoint is the runner's stub server; ``fake_rest_token`` is the
    REST token the fake demands, ``token`` the HTTP API token the runner sends, and
    ``options`` go to :func:`e2e.runner.run_suite` (``workers`` defaults to 2).
    """
    fake = FakeRasa(
        port=FAKE_RASA_PORT,
        action_endpoint=f"http://127.0.0.1:{STUB_PORT}/webhook",
        actions_port=FAKE_ACTIONS_PORT,
        rest_token=fake_rest_token,
        rate_limited=rate_limited,
        rate_limit=rate_limit,
    )

    async def go() -> SuiteResult:
        await fake.start()
        try:
            return await run_suite(
                suite,
                url=options.pop("url", f"http://127.0.0.1:{FAKE_RASA_PORT}"),
                token=token,
                workers=options.pop("workers", 2),
                stub_port=STUB_PORT,
                actions_url=f"http://127.0.0.1:{FAKE_ACTIONS_PORT}",
                **options,
            )
        finally:
            await fake.stop()

    return asyncio.run(go()), fake
