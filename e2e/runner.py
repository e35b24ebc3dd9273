"""Driving the running assistant through its REST channel, one conversation per case.

Every case gets a fresh REST sender id; the project's REST channel files its messages
under the conversation ``rest:<sender>`` (``channels/conversation_id.py``), the id
the tracker API, the stub server and the reports use. Fixture slots are appended with
the tracker API
twice: the first append starts the session (``action_session_start``) but its events
are stamped before the session start, so a SQL tracker store, which loads only the
latest session, would drop them; the second copy is stamped after it, so every
tracker store keeps the fixtures. Then each ``user:`` step is posted to
the REST webhook, with the case's and the step's metadata, and the tracker (all
events) is read back to see what the bot did: response names come from
``metadata.utter_action`` of the ``bot`` events, slots from the ``slot`` events.
Every turn is checked and every failure kept. Cases run concurrently, at most
``workers`` at a time; ``fail_fast`` starts no new case after the first failure.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from channels.conversation_id import conversation_id
from e2e.cases import CONVERSATION_DELETED, DELETION_WAIT_S, Suite, TestCase
from e2e.checking import CaseChecker
from e2e.failures import Failure
from e2e.stubs import ActionCall, StubActionServer
from e2e.transcript import Turn, replies_as_events, split_new_events

logger = logging.getLogger(__name__)


class AssistantError(RuntimeError):
    """The assistant could not be reached or answered with an HTTP error."""


class AuthError(AssistantError):
    """The assistant refused the token (HTTP 401/403)."""


class RateLimited(Exception):
    """A proxy refused a request as one too many (HTTP 429); it may be sent again."""

    def __init__(self, message: str, *, wait_s: float | None) -> None:
        """``wait_s``: what the answer's ``Retry-After`` asked for, if anything."""
        super().__init__(message)
        self.wait_s = wait_s


RATE_LIMIT_RETRIES = 8


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (``None`` when absent or a date)."""
    try:
        return min(10.0, float(value)) if value else None
    except ValueError:
        return None


class RasaClient:
    """The few HTTP calls the runner makes to a Rasa server (REST channel and HTTP API)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        api_url: str | None = None,
        token: str | None = None,
        rest_token: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        """Talk to the Rasa server at ``url`` with ``session``.

        ``api_url`` is where its HTTP API answers when that is not ``url``: behind
        the cluster's nginx, which routes only the REST webhook, one instance's own
        address (the instances share the tracker store). ``token`` is the HTTP API's
        (``--auth-token``); ``rest_token`` the bearer token the REST channel may
        require (this project's ``REST_TOKEN``).
        """
        self.session = session
        self.url = url.rstrip("/")
        self.api_url = (api_url or url).rstrip("/")
        self.token = token
        self.rest_token = rest_token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.rate_limited = 0  # requests refused with HTTP 429 and sent again

    def _params(self, **extra: str) -> dict[str, str]:
        params = dict(extra)
        if self.token:
            params["token"] = self.token
        return params

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request; one refused as too many (HTTP 429) is sent again a bit later.

        A proxy's rate limit (the cluster's nginx allows one client address so many
        requests a second) refuses a request before the assistant sees it, so sending
        it again cannot duplicate a message.
        """
        attempt = 0
        while True:
            try:
                return await self._request_once(method, path, **kwargs)
            except RateLimited as refused:
                if attempt == RATE_LIMIT_RETRIES:
                    raise AssistantError(str(refused)) from refused
                self.rate_limited += 1
                await asyncio.sleep(refused.wait_s or min(2.0, 0.25 * 2**attempt))
                attempt += 1

    async def _request_once(self, method: str, path: str, **kwargs: Any) -> Any:
        base = self.url if path.startswith("/webhooks/") else self.api_url
        url = f"{base}{path}"
        try:
            async with self.session.request(
                method, url, timeout=self.timeout, **kwargs
            ) as response:
                if response.status == 429:
                    raise RateLimited(
                        f"{method} {path} answered HTTP 429 (too many requests)"
                        f" {RATE_LIMIT_RETRIES + 1} times",
                        wait_s=_retry_after(response.headers.get("Retry-After")),
                    )
                if response.status in (401, 403):
                    raise AuthError(self._refused(method, path, response.status))
                if response.status >= 400:
                    body = (await response.text())[:500]
                    raise AssistantError(
                        f"{method} {path} answered HTTP {response.status}: {body}"
                    )
                return await response.json(content_type=None)
        except asyncio.TimeoutError as error:
            raise AssistantError(
                f"{method} {path}: no answer within {self.timeout.total:.0f}s"
            ) from error
        except aiohttp.ClientError as error:
            raise AssistantError(f"{method} {path}: {error}") from error

    def _refused(self, method: str, path: str, status: int) -> str:
        if path.startswith("/webhooks/"):
            given = "a wrong REST token" if self.rest_token else "no REST token"
            how = (
                "Pass the REST channel's bearer token as --rest-token or E2E_REST_TOKEN"
                " (REST_TOKEN is read too; `make run` prints it)."
            )
        else:
            given = "a wrong token" if self.token else "no token"
            how = (
                "Pass the token its HTTP API was started with (--auth-token) as"
                " --token or E2E_TOKEN (RASA_TOKEN is read too; `make run` prints it)."
            )
        return f"{method} {path} answered HTTP {status}: the assistant refused {given}. {how}"

    async def status(self) -> dict[str, Any]:
        """``GET /status``: the loaded model (needs ``--enable-api``)."""
        return await self._request("GET", "/status", params=self._params())

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Post a user message (and its metadata) to the REST webhook; returns the replies.

        ``X-Conversation-Id`` names the conversation, as the cluster's nginx expects
        from REST clients: it keeps a conversation on one instance and spreads the
        cases over all of them.
        """
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        headers = {"X-Conversation-Id": sender}
        if self.rest_token:
            headers["Authorization"] = f"Bearer {self.rest_token}"
        replies = await self._request(
            "POST", "/webhooks/rest/webhook", json=body, headers=headers
        )
        return list(replies or [])

    async def tracker(self, conversation: str) -> dict[str, Any]:
        """The tracker of ``conversation`` with every event (``include_events=ALL``)."""
        return await self._request(
            "GET",
            f"/conversations/{conversation}/tracker",
            params=self._params(include_events="ALL"),
        )

    async def append_events(
        self, conversation: str, events: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Append events to ``conversation`` (the server starts its session first)."""
        return await self._request(
            "POST",
            f"/conversations/{conversation}/tracker/events",
            params=self._params(include_events="ALL"),
            json=events,
        )


@dataclass
class CaseResult:
    """The outcome of one case: its transcript and, when it failed, why."""

    case: TestCase
    sender: str
    turns: list[Turn] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    # The custom actions the stub server served for the conversation, in order.
    action_calls: list[ActionCall] = field(default_factory=list)

    @property
    def conversation_id(self) -> str:
        """Where the REST channel files the case's messages: ``rest:<sender>``."""
        return conversation_id("rest", self.sender)

    @property
    def failure(self) -> Failure | None:
        """The first failure (``None`` when every step held)."""
        return self.failures[0] if self.failures else None

    @property
    def failed_turns(self) -> set[int]:
        """Numbers of the turns with a failing step (0 = session start)."""
        return {failure.turn for failure in self.failures}

    @property
    def passed(self) -> bool:
        """Whether every step held and nothing went wrong talking to the assistant."""
        return not self.failures and self.error is None


@dataclass
class SuiteResult:
    """All case results in suite order, with the wall-clock time of the run."""

    results: list[CaseResult]
    seconds: float
    url: str
    not_run: int = 0  # cases --fail-fast left out
    skipped: list[str] = field(default_factory=list)  # stubbed cases without stubs

    @property
    def passed(self) -> int:
        """Number of passing cases."""
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        """Number of failing cases."""
        return len(self.results) - self.passed


def sender_id(case: TestCase) -> str:
    """A fresh conversation id that still shows which case it belongs to."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", case.name)[:60].strip("-") or "case"
    return f"e2e-{slug}-{uuid.uuid4().hex[:8]}"


def _slot_events(slots: dict[str, Any]) -> list[dict[str, Any]]:
    # No timestamps: the server stamps them when it reads the request.
    return [
        {"event": "slot", "name": name, "value": value} for name, value in slots.items()
    ]


async def run_case(
    client: RasaClient, case: TestCase, *, stubs: StubActionServer | None = None
) -> CaseResult:
    """Hold the conversation of ``case`` with the assistant and check every turn."""
    result = CaseResult(case=case, sender=sender_id(case))
    started = time.monotonic()
    checker = CaseChecker(case)
    if case.stubs:
        if stubs is None:
            result.error = (
                "the case stubs custom actions, but no stub action server runs"
                " (--stub-port, with the assistant's action_endpoint pointing there)"
            )
            return result
        stubs.register(result.conversation_id, case.stubs)
    try:
        seen = _Seen()
        start = Turn(user=None)
        if case.fixtures:
            slots: dict[str, Any] = {}
            for fixture in case.fixtures:
                slots.update(fixture.slots)
            # The first append starts (and saves) the session, but the server
            # stamped its events before the session start, and the SQL tracker
            # store loads only the latest session; the second copy comes after it.
            await client.append_events(result.conversation_id, _slot_events(slots))
            tracker = await client.append_events(
                result.conversation_id, _slot_events(slots)
            )
            start.events = seen.new(tracker.get("events") or [])
            start.slots = dict(tracker.get("slots") or {})
        for index, (user_step, steps) in enumerate(case.turns()[1:], start=1):
            assert user_step is not None
            text = user_step.user_text
            replies = await client.send(
                result.sender, text, case.message_metadata(user_step)
            )
            tracker = await client.tracker(result.conversation_id)
            before_user, from_user = split_new_events(
                seen.new(tracker.get("events") or [])
            )
            turn = Turn(
                user=text,
                events=from_user,
                slots=dict(tracker.get("slots") or {}),
                replies=replies,
            )
            if not from_user:
                # The store does not hold the message: the conversation was deleted
                # once the turn was stored (or the turn was never stored).
                turn.events = replies_as_events(text, replies)
                turn.from_replies = True
            if index == 1:
                start.events += before_user
                if not case.fixtures:
                    start.slots = _slots_after(before_user)
                result.turns.append(start)
                result.failures += checker.check_turn(0, start)
            else:
                turn.preamble = before_user
            if any(step.kind == CONVERSATION_DELETED for step in steps):
                turn.still_stored = await stored_after_deletion(
                    client, result.conversation_id
                )
            result.turns.append(turn)
            result.failures += checker.check_turn(index, turn)
    except AuthError:
        raise  # every case would fail the same way: stop the run with the reason
    except AssistantError as error:
        result.error = str(error)
    finally:
        if stubs is not None:
            stubs.stubs.pop(result.conversation_id, None)
            result.action_calls = stubs.calls.pop(result.conversation_id, [])
    result.seconds = time.monotonic() - started
    return result


async def stored_after_deletion(
    client: RasaClient,
    conversation: str,
    *,
    wait_s: float = DELETION_WAIT_S,
    poll_s: float = 0.25,
) -> list[str]:
    """The user messages of ``conversation`` the tracker store still holds.

    The assistant deletes a conversation once the turn that asked for it is stored,
    so this reads the tracker until no user message is left, or ``wait_s`` passed.
    """
    deadline = time.monotonic() + wait_s
    while True:
        tracker = await client.tracker(conversation)
        texts = [
            str(event.get("text"))
            for event in tracker.get("events") or []
            if event.get("event") == "user"
        ]
        if not texts or time.monotonic() >= deadline:
            return texts
        await asyncio.sleep(poll_s)


class _Seen:
    """Which tracker events a case has already seen, by their timestamps.

    Not by position: when a new session starts (after a restart, say) Rasa keeps only
    the latest session of a conversation, so the event list can get shorter.
    """

    def __init__(self) -> None:
        self.latest = float("-inf")

    def new(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The events newer than any seen before (and remember them as seen)."""
        fresh = [e for e in events if float(e.get("timestamp") or 0.0) > self.latest]
        if fresh:
            self.latest = max(float(e.get("timestamp") or 0.0) for e in fresh)
        return fresh


def _slots_after(events: list[dict[str, Any]]) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            slots[str(event.get("name"))] = event.get("value")
    return slots


async def check_reachable(client: RasaClient) -> None:
    """Raise :class:`AssistantError` unless ``GET /status`` answers (API on, token right)."""
    await client.status()


async def run_suite(
    suite: Suite,
    *,
    url: str,
    api_url: str | None = None,
    token: str | None = None,
    rest_token: str | None = None,
    workers: int = 4,
    timeout: float = 120.0,
    fail_fast: bool = False,
    stub_port: int | None = None,
    actions_url: str = "http://127.0.0.1:5055",
    on_result: Callable[[CaseResult], None] | None = None,
) -> SuiteResult:
    """Run every case of ``suite`` against the assistant at ``url``, ``workers`` at a time.

    Messages go to the REST webhook at ``url``; the HTTP API is read at ``api_url``
    (default ``url``).

    With ``stub_port``, a :class:`~e2e.stubs.StubActionServer` listens there for the
    run and forwards the actions no case stubs to ``actions_url``. With
    ``fail_fast``, no case starts after one has failed.
    """
    started = time.monotonic()
    semaphore = asyncio.Semaphore(max(1, workers))
    connector = aiohttp.TCPConnector(limit=max(1, workers) * 2)
    stopped = asyncio.Event()
    stubs = (
        StubActionServer(port=stub_port, upstream=actions_url)
        if stub_port is not None
        else None
    )
    async with aiohttp.ClientSession(connector=connector) as session:
        client = RasaClient(
            session,
            url,
            api_url=api_url,
            token=token,
            rest_token=rest_token,
            timeout=timeout,
        )
        await check_reachable(client)
        if stubs is not None:
            await stubs.start()

        async def one(case: TestCase) -> CaseResult | None:
            async with semaphore:
                if stopped.is_set():
                    return None
                logger.debug("running case %s", case.name)
                result = await run_case(client, case, stubs=stubs)
            if fail_fast and not result.passed:
                stopped.set()
            if on_result:
                on_result(result)
            return result

        try:
            outcomes = await asyncio.gather(*(one(case) for case in suite.cases))
        finally:
            if stubs is not None:
                await stubs.stop()
        if client.rate_limited:
            logger.warning(
                "%d request(s) answered HTTP 429 (rate limited) and were sent again",
                client.rate_limited,
            )
    results = [r for r in outcomes if r is not None]
    return SuiteResult(
        results=results,
        seconds=time.monotonic() - started,
        url=url,
        not_run=len(outcomes) - len(results),
    )
