"""Local fake platform servers that speak the real wire formats.

Each fake checks what the real API would check (token in the path, basic
auth, bearer token, body limits), answers in the real response shape and
records every accepted call so tests can read what the bot "sent". They run
on one aiohttp event loop in a background thread of the test process.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BasicAuth, web

from tests.helpers.loopback import serve


@dataclass
class Call:
    """One accepted API call."""

    method: str
    payload: dict[str, Any]


@dataclass
class FakePlatform:
    """Records accepted calls; subclasses define the routes."""

    port: int
    calls: list[Call] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        """Where the fake listens."""
        return f"http://127.0.0.1:{self.port}"

    def record(self, method: str, payload: dict[str, Any]) -> None:
        """Store an accepted call and wake up waiting tests."""
        with self._changed:
            self.calls.append(Call(method, payload))
            self._changed.notify_all()

    def refuse(self, method: str, status: int) -> None:
        """Store a refused call (tests assert there are none)."""
        with self._changed:
            self.refused.append((method, status))

    def calls_since(self, start: int, method: str | None = None) -> list[Call]:
        """Return the calls recorded after index ``start`` (optionally one method)."""
        with self._changed:
            return [c for c in self.calls[start:] if method in (None, c.method)]

    def mark(self) -> int:
        """Return the current position in the call log."""
        with self._changed:
            return len(self.calls)

    def wait_for(
        self, predicate: Callable[[list[Call]], bool], *, start: int, timeout: float
    ) -> list[Call]:
        """Wait until ``predicate(calls since start)`` holds; return those calls."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                calls = self.calls[start:]
                if predicate(calls):
                    return list(calls)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"fake on port {self.port} did not receive the expected "
                        f"calls in {timeout}s; got {calls!r}"
                    )
                self._changed.wait(remaining)

    def routes(self) -> list[web.RouteDef]:
        """The platform's HTTP routes."""
        raise NotImplementedError


@dataclass
class FakeTelegram(FakePlatform):
    """Bot API: ``POST /bot<token>/<method>`` with a JSON body."""

    token: str = "123456:TEST-token"
    webhook: dict[str, Any] = field(default_factory=dict)

    def routes(self) -> list[web.RouteDef]:
        """``/bot<token>/<method>``."""
        return [web.post("/bot{token}/{method}", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one Bot API call like Telegram does."""
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.refuse(method, 401)
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
                status=401,
            )
        payload = await request.json() if request.can_read_body else {}
        if method == "sendMessage":
            text = payload.get("text", "")
            if not payload.get("chat_id") or not 1 <= len(text) <= 4096:
                self.refuse(method, 400)
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: message text is empty or too long",
                    },
                    status=400,
                )
            self.record(method, payload)
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "message_id": next(self._ids),
                        "date": int(time.time()),
                        "chat": {"id": payload["chat_id"], "type": "private"},
                        "text": text,
                    },
                }
            )
        if method == "setWebhook":
            self.webhook = dict(payload)
            self.record(method, payload)
            return web.json_response(
                {"ok": True, "result": True, "description": "Webhook was set"}
            )
        if method == "getWebhookInfo":
            self.record(method, payload)
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "url": self.webhook.get("url", ""),
                        "has_custom_certificate": False,
                        "pending_update_count": 0,
                    },
                }
            )
        self.record(method, payload)
        return web.json_response({"ok": True, "result": True})


@dataclass
class FakeTwilio(FakePlatform):
    """Messages API: form-encoded ``POST .../Accounts/<sid>/Messages.json``."""

    account_sid: str = "AC00000000000000000000000000000001"
    auth_token: str = "twilio-test-auth-token"

    def routes(self) -> list[web.RouteDef]:
        """``/2010-04-01/Accounts/<sid>/Messages.json``."""
        return [web.post("/2010-04-01/Accounts/{sid}/Messages.json", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one Messages API call like Twilio does."""
        header = request.headers.get("Authorization", "")
        try:
            auth = BasicAuth.decode(header)
        except ValueError:
            auth = None
        if (
            auth is None
            or (auth.login, auth.password) != (self.account_sid, self.auth_token)
            or request.match_info["sid"] != self.account_sid
        ):
            self.refuse("Messages", 401)
            return web.json_response(
                {"code": 20003, "message": "Authenticate", "status": 401}, status=401
            )
        if request.content_type != "application/x-www-form-urlencoded":
            self.refuse("Messages", 400)
            return web.json_response({"code": 20001, "status": 400}, status=400)
        form = dict(await request.post())
        body = str(form.get("Body", ""))
        limit = 4096 if str(form.get("To", "")).startswith("whatsapp:") else 1600
        if (
            not form.get("To")
            or not (form.get("From") or form.get("MessagingServiceSid"))
            or not 1 <= len(body) <= limit
        ):
            self.refuse("Messages", 400)
            return web.json_response(
                {"code": 21617, "message": "Body invalid or too long", "status": 400},
                status=400,
            )
        self.record("Messages", form)
        return web.json_response(
            {
                "sid": f"SM{next(self._ids):032d}",
                "account_sid": self.account_sid,
                "to": form["To"],
                "from": form.get("From"),
                "body": body,
                "status": "queued",
            },
            status=201,
        )


@dataclass
class FakeSlack(FakePlatform):
    """Web API: ``POST /api/chat.postMessage`` with a bearer token.

    Posts to a channel in ``rate_limited`` are refused as Slack refuses a client over
    its rate limit: HTTP 429, ``ratelimited``, ``Retry-After``.
    """

    token: str = "xoxb-test-token"
    rate_limited: set[str] = field(default_factory=set)

    @property
    def api_url(self) -> str:
        """Base URL to give ``AsyncWebClient``."""
        return f"{self.base_url}/api/"

    def routes(self) -> list[web.RouteDef]:
        """``/api/<method>``."""
        return [web.post("/api/{method}", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one Web API call like Slack does."""
        method = request.match_info["method"]
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self.refuse(method, 200)
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if request.content_type == "application/json":
            payload = await request.json()
        else:
            payload = dict(await request.post())
        text = str(payload.get("text", ""))
        if method == "chat.postMessage" and payload.get("channel") in self.rate_limited:
            self.refuse(method, 429)
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": "0"},
            )
        if method == "chat.postMessage" and len(text) > 3000 and "blocks" in payload:
            self.refuse(method, 200)
            return web.json_response({"ok": False, "error": "invalid_blocks"})
        self.record(method, payload)
        return web.json_response(
            {"ok": True, "channel": payload.get("channel"), "ts": f"{time.time():.6f}"}
        )


@dataclass
class FakeGraph(FakePlatform):
    """Messenger Send API: ``POST /v17.0/me/messages?access_token=...``."""

    page_token: str = "graph-test-page-token"

    @property
    def api_url(self) -> str:
        """Graph base URL with version."""
        return f"{self.base_url}/v17.0"

    def routes(self) -> list[web.RouteDef]:
        """``/v17.0/me/messages``."""
        return [web.post("/v17.0/me/messages", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one Send API call like the Graph API does."""
        if request.query.get("access_token") != self.page_token:
            self.refuse("messages", 400)
            return web.json_response(
                {"error": {"message": "Invalid OAuth access token.", "code": 190}},
                status=400,
            )
        payload = await request.json()
        message = payload.get("message", {})
        text = message.get("text")
        template = message.get("attachment", {}).get("payload", {})
        if (text is not None and len(text) > 2000) or len(
            template.get("text", "")
        ) > 640:
            self.refuse("messages", 400)
            return web.json_response(
                {"error": {"message": "param message[text] too long", "code": 100}},
                status=400,
            )
        self.record("messages", payload)
        return web.json_response(
            {
                "recipient_id": payload.get("recipient", {}).get("id"),
                "message_id": f"m_{next(self._ids)}",
            }
        )


@dataclass
class FakeCallback(FakePlatform):
    """The server Rasa's callback channel posts each reply to: ``POST /callback``."""

    @property
    def url(self) -> str:
        """The callback URL to configure."""
        return f"{self.base_url}/callback"

    def routes(self) -> list[web.RouteDef]:
        """``/callback``."""
        return [web.post("/callback", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        """Record one reply."""
        self.record("callback", await request.json())
        return web.Response(text="ok")


class FakeServers:
    """Runs fake platforms on one event loop in a daemon thread."""

    def __init__(self, fakes: list[FakePlatform]) -> None:
        """Prepare (not start) the servers for ``fakes``."""
        self.fakes = fakes
        self._loop = asyncio.new_event_loop()
        self._runners: list[web.AppRunner] = []
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-platforms", daemon=True
        )

    async def _start(self) -> None:
        for fake in self.fakes:
            app = web.Application()
            app.add_routes(fake.routes())
            self._runners.append(await serve(app, fake.port))

    async def _stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()

    def start(self) -> None:
        """Start listening on every fake's port."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)

    def stop(self) -> None:
        """Stop the servers and the loop."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
