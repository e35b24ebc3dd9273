"""Stubbed custom actions: a small action server in front of the real one.

Rasa Pro answers the actions named in a file's ``stub_custom_actions:`` from the file
instead of calling the action server. Rasa 3.6 has no such hook, so the runner
listens where the assistant's ``action_endpoint`` points and, for each request,
answers from the stubs of the case that owns the conversation (by sender id), or
passes the request on unchanged (query string, headers, token) to the real action
server. ``make test-e2e-suite`` points the assistant at this proxy; the runner
refuses to run stubbed cases without it.

Every call it serves is logged by conversation (:class:`ActionCall`): the action, the
intent of the message it answers and the responses it said. The coverage report
counts them, so a turn that the tracker store no longer holds when the runner reads
it (a conversation deleted on request) still counts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from e2e.cases import Stub

logger = logging.getLogger(__name__)

_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass(frozen=True)
class ActionCall:
    """A custom action the assistant ran: its name, the intent it answered, what it said."""

    action: str
    intent: str | None
    responses: tuple[str, ...]


def action_call(request: dict[str, Any], answer: Any) -> ActionCall:
    """The :class:`ActionCall` of an action server request and its JSON answer."""
    latest = (request.get("tracker") or {}).get("latest_message") or {}
    intent = (latest.get("intent") or {}).get("name")
    said = answer.get("responses") if isinstance(answer, dict) else None
    return ActionCall(
        action=str(request.get("next_action") or ""),
        intent=str(intent) if intent else None,
        responses=tuple(
            str(r["response"])
            for r in said or []
            if isinstance(r, dict) and r.get("response")
        ),
    )


class StubActionServer:
    """An action server answering stubbed actions and forwarding the others."""

    def __init__(self, *, port: int, upstream: str, host: str = "127.0.0.1") -> None:
        """Listen on ``host:port``; forward what is not stubbed to ``upstream``."""
        self.host = host
        self.port = port
        self.upstream = upstream.rstrip("/")
        self.stubs: dict[str, dict[str, Stub]] = {}
        self.calls: dict[str, list[ActionCall]] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    def register(self, sender: str, stubs: dict[str, Stub]) -> None:
        """Answer the actions in ``stubs`` for the conversation ``sender``."""
        if stubs:
            self.stubs[sender] = stubs

    async def start(self) -> None:
        """Start listening."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        """Stop listening and close the connection to the real action server."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.method == "POST" and request.path.rstrip("/") == "/webhook":
            try:
                payload: Any = await request.json()
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                sender = str(payload.get("sender_id") or "")
                action = str(payload.get("next_action") or "")
                stub = self.stubs.get(sender, {}).get(action)
                if stub is not None:
                    logger.debug("stub answers %s for %s", action, sender)
                    self._log(sender, action_call(payload, stub.answer()))
                    return web.json_response(stub.answer())
                answer = await self._forward(request, body)
                if answer.status == 200 and isinstance(answer.body, bytes):
                    try:
                        said = json.loads(answer.body)
                    except ValueError:
                        said = None
                    self._log(sender, action_call(payload, said))
                return answer
        return await self._forward(request, body)

    def _log(self, sender: str, call: ActionCall) -> None:
        self.calls.setdefault(sender, []).append(call)

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        assert self._session is not None
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS
        }
        url = f"{self.upstream}{request.rel_url}"
        try:
            async with self._session.request(
                request.method, url, data=body, headers=headers
            ) as upstream:
                content = await upstream.read()
                return web.Response(
                    status=upstream.status,
                    body=content,
                    content_type=upstream.content_type,
                )
        except aiohttp.ClientError as error:
            return web.json_response(
                {
                    "error": f"the action server at {self.upstream} is unreachable: {error}"
                },
                status=502,
            )
