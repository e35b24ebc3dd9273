#!/usr/bin/env python3
"""``make bench-action-calls``: how often Rasa calls the action server per conversation.

Starts this assistant as ``make run`` configures it (:mod:`bench.bots`: SQLite store,
tokens, the action server), with Rasa's ``action_endpoint`` pointing at a forwarding
server (:class:`e2e.stubs.StubActionServer` with nothing stubbed) that passes every
request on to the real action server and logs it by conversation. Each representative
conversation is sent ``--runs`` times, sequentially, each time as a new sender; for
each it prints the requests the action server received (in total and by action), the
median latency of a message, the median time of the whole conversation, and whether
it ended as it should (the responses the actions said), so a conversation that took
another path is not counted as this one.

    .venv/bin/python -m bench.action_calls [--runs 5] [--store sqlite]

The counts are exact (requests seen); the times are medians of a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence

from bench.bots import ACTIONS_PORT, BARE_DIR, OUT_DIR, Bot, running
from bench.client import client_session, send
from bench.reports import write_report
from channels.conversation_id import conversation_id
from e2e.stubs import ActionCall, StubActionServer
from supervisor.process import HOST

logger = logging.getLogger(__name__)

PROXY_PORT = int(os.environ.get("BENCH_PROXY_PORT", "5712"))


@dataclasses.dataclass(frozen=True)
class Conversation:
    """A representative conversation and what its actions must and must not say."""

    name: str
    messages: tuple[str, ...]
    must_say: tuple[str, ...] = ()
    must_not_say_prefixes: tuple[str, ...] = ()
    must_not_call: tuple[str, ...] = ()


CONVERSATIONS = (
    Conversation(
        "FAQ only",
        (
            "hi",
            "what causes hamstring cramps?",
            "how can I prevent hamstring cramps?",
            "thanks",
            "bye",
        ),
        must_not_call=("validate_screening_form", "action_give_remedy_advice"),
    ),
    Conversation(
        "clean screening to remedy advice",
        ("hi", "my hamstring is cramping", *["no"] * 15, "thanks", "bye"),
        must_say=("utter_remedy_stretch",),
        must_not_say_prefixes=("utter_escalate_",),
    ),
    Conversation(
        "escalation at the first question",
        ("my hamstring is cramping", "yes", "thanks"),
        must_say=("utter_escalate_emergency",),
        must_not_say_prefixes=("utter_remedy_",),
    ),
    Conversation(
        "escalation volunteered with the report",
        ("my hamstring cramps and I have chest pain", "thanks"),
        must_say=("utter_escalate_emergency",),
        must_not_say_prefixes=("utter_remedy_",),
    ),
)


@dataclasses.dataclass
class Run:
    """One conversation sent once: the action server's requests and the latencies."""

    calls: list[ActionCall]
    latencies_ms: list[float]
    seconds: float

    def by_action(self) -> Counter[str]:
        """Requests per action name."""
        return Counter(call.action for call in self.calls)

    def said(self) -> set[str]:
        """Every response the actions said."""
        return {response for call in self.calls for response in call.responses}


def problems(conversation: Conversation, run: Run) -> list[str]:
    """Why ``run`` is not the conversation it should be (nothing when it is)."""
    said = run.said()
    found = [f"did not say {r}" for r in conversation.must_say if r not in said]
    found += [
        f"said {r}"
        for r in sorted(said)
        if r.startswith(conversation.must_not_say_prefixes or ("\0",))
    ]
    actions = run.by_action()
    found += [f"called {a}" for a in conversation.must_not_call if actions[a]]
    return found


async def run_all(
    conversations: Sequence[Conversation], runs: int, upstream: str
) -> dict[str, list[Run]]:
    """Send every conversation ``runs`` times through a counting forwarding server."""
    proxy = StubActionServer(port=PROXY_PORT, upstream=upstream)
    await proxy.start()
    results: dict[str, list[Run]] = {c.name: [] for c in conversations}
    try:
        async with client_session(1) as session:
            await send(session, f"bench-warm-{uuid.uuid4().hex[:8]}", "hi")
            for _ in range(runs):
                for conversation in conversations:
                    sender = f"bench-calls-{uuid.uuid4().hex[:12]}"
                    latencies = []
                    started = time.perf_counter()
                    for text in conversation.messages:
                        elapsed, ok = await send(session, sender, text)
                        if not ok:
                            raise RuntimeError(f"{conversation.name}: {text!r} failed")
                        latencies.append(elapsed)
                    results[conversation.name].append(
                        Run(
                            calls=proxy.calls.pop(conversation_id("rest", sender), []),
                            latencies_ms=latencies,
                            seconds=time.perf_counter() - started,
                        )
                    )
    finally:
        await proxy.stop()
    return results


def summary(conversation: Conversation, runs: Sequence[Run]) -> dict[str, object]:
    """Median calls, calls by action, median latencies and the checks of one conversation."""
    counts = [len(run.calls) for run in runs]
    by_action: Counter[str] = Counter()
    for run in runs:
        by_action.update(run.by_action())
    return {
        "messages": len(conversation.messages),
        "calls_median": statistics.median(counts),
        "calls_min": min(counts),
        "calls_max": max(counts),
        "calls_by_action_median": {
            action: statistics.median(run.by_action()[action] for run in runs)
            for action in sorted(by_action)
        },
        "message_p50_ms": statistics.median(
            ms for run in runs for ms in run.latencies_ms
        ),
        "conversation_median_ms": statistics.median(run.seconds * 1000 for run in runs),
        "problems": sorted({p for run in runs for p in problems(conversation, run)}),
    }


def print_report(figures: dict[str, dict[str, object]], runs: int) -> None:
    """One row per conversation, then the calls by action."""
    print(f"\naction-server requests per conversation (median of {runs} runs)")
    print(
        "conversation                              msgs  calls  calls/msg"
        "  msg p50 ms  conv median ms  as expected"
    )
    for name, f in figures.items():
        calls = f["calls_median"]
        messages = f["messages"]
        assert isinstance(calls, (int, float)) and isinstance(messages, int)
        spread = (
            ""
            if f["calls_min"] == f["calls_max"]
            else f" ({f['calls_min']}-{f['calls_max']})"
        )
        print(
            f"{name:<40} {messages:>5} {calls:>6g}{spread} {calls / messages:>9.2f}"
            f"  {f['message_p50_ms']:>10.1f}  {f['conversation_median_ms']:>14.0f}"
            f"  {'yes' if not f['problems'] else '; '.join(f['problems'])}"  # type: ignore[arg-type]
        )
    print("\nby action (median per conversation)")
    for name, f in figures.items():
        actions = f["calls_by_action_median"]
        assert isinstance(actions, dict)
        listed = ", ".join(f"{a} {n:g}" for a, n in actions.items())
        print(f"  {name}: {listed}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the conversations, print the figures, write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="times each conversation")
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"

    bot = Bot("assistant", args.store, action_proxy_port=PROXY_PORT)
    log_dir = OUT_DIR / "action-calls"
    with running(bot, BARE_DIR, log_dir):
        results = asyncio.run(
            run_all(CONVERSATIONS, args.runs, f"http://{HOST}:{ACTIONS_PORT}")
        )
    figures = {c.name: summary(c, results[c.name]) for c in CONVERSATIONS}
    print_report(figures, args.runs)
    write_report(
        {"store": args.store, "runs": args.runs, "figures": figures}, "action-calls-"
    )
    return 1 if any(f["problems"] for f in figures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
