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
The HTTP calls are ``e2e/rasa_client.py``'s, the outcomes ``e2e/results.py``'s.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp

from e2e.cases import CONVERSATION_DELETED, DELETION_WAIT_S, Suite, TestCase
from e2e.checking import CaseChecker
from e2e.rasa_client import AssistantError, AuthError, RasaClient
from e2e.results import CaseResult, SuiteResult
from e2e.stubs import StubActionServer
from e2e.transcript import Turn, replies_as_events, split_new_events

logger = logging.getLogger(__name__)


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
