"""The benchmark's REST client: closed-loop load, and one long conversation.

Every message goes to the REST channel of the bot on :data:`bench.bots.RASA_PORT` with
the REST token; a message counts when it is answered with 200 and a list of replies.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
import uuid
from collections.abc import Sequence

import aiohttp

from bench.bots import RASA_PORT, REST_TOKEN
from supervisor.process import HOST

WINDOW = 2  # turns either side of turn 5 and turn 200


@dataclasses.dataclass
class LoadResult:
    """A closed-loop run at one concurrency."""

    conversations: int
    latencies_ms: list[float]
    seconds: float
    errors: int

    @property
    def throughput(self) -> float:
        """Answered messages per second."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, float]:
        """p50, p95 and msg/s."""
        return {
            "conversations": self.conversations,
            "messages": len(self.latencies_ms),
            "errors": self.errors,
            "p50_ms": percentile(self.latencies_ms, 0.50),
            "p95_ms": percentile(self.latencies_ms, 0.95),
            "msg_per_s": self.throughput,
        }


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile of ``values`` (nearest rank); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def send(
    session: aiohttp.ClientSession, sender: str, text: str
) -> tuple[float, bool]:
    """POST one message; return (milliseconds, answered with 200 and a reply list)."""
    url = f"http://{HOST}:{RASA_PORT}/webhooks/rest/webhook"
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as reply:
            body = await reply.json(content_type=None)
            ok = reply.status == 200 and isinstance(body, list)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        ok = False
    return (time.perf_counter() - started) * 1000, ok


def client_session(limit: int) -> aiohttp.ClientSession:
    """A session with the REST token and one connection per conversation."""
    return aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {REST_TOKEN}"},
        timeout=aiohttp.ClientTimeout(total=120),
        connector=aiohttp.TCPConnector(limit=limit),
    )


async def closed_loop(
    script: Sequence[str], conversations: int, seconds: float
) -> LoadResult:
    """``conversations`` people, each sending its next message once answered.

    A person who reaches the end of ``script`` starts a new conversation. Messages sent
    before the deadline count; the run ends when every person's last one is answered.
    """
    result = LoadResult(conversations, [], 0.0, 0)
    deadline = time.monotonic() + seconds

    async def person(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            for text in script:
                if time.monotonic() >= deadline:
                    return
                elapsed, ok = await send(session, sender, text)
                if ok:
                    result.latencies_ms.append(elapsed)
                else:
                    result.errors += 1

    async with client_session(conversations) as session:
        started = time.perf_counter()
        await asyncio.gather(*(person(session) for _ in range(conversations)))
        result.seconds = time.perf_counter() - started
    return result


async def long_conversation(script: Sequence[str], turns: int) -> list[float]:
    """Latency of every turn of one conversation that repeats ``script``."""
    sender = f"bench-long-{uuid.uuid4().hex[:12]}"
    latencies = []
    async with client_session(1) as session:
        for turn in range(turns):
            elapsed, ok = await send(session, sender, script[turn % len(script)])
            if not ok:
                raise RuntimeError(f"turn {turn + 1} of the long conversation failed")
            latencies.append(elapsed)
    return latencies


def around(latencies: Sequence[float], turn: int) -> float:
    """Median latency of the turns within ``WINDOW`` of ``turn`` (1-based)."""
    return statistics.median(latencies[turn - 1 - WINDOW : turn + WINDOW])
