"""Record the console's test conversations by talking to the real assistant.

    .venv/bin/python -m console.scripts.record_fixture      (or `make console-fixture`)

Starts the action server and Rasa (ports 5615/5616, an SQLite tracker store in a
temporary folder, the REST and socket.io channels), holds every conversation of
``SCENARIOS`` through its channel, checks that the assistant reached the outcome the
triage contract asks for, and writes the stored events of each conversation to
``console/tests/fixtures/conversations.json``.

Each conversation is kept under the id Rasa stored it by, namespaced by channel
(``channels/conversation_id.py``): ``rest:<scenario name>`` for REST, ``web:<session
id>`` for the socket. The events are Rasa's own, unchanged but for their times: each conversation is moved to
``BASE_DAY`` plus its ``day`` offset (keeping the gaps between its events), so the
overview's per-day figures do not depend on when the fixture was recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sqlite3
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import socketio

from channels.conversation_id import conversation_id
from supervisor.assistant import Assistant, AssistantConfig

logger = logging.getLogger("record_fixture")

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "console" / "tests" / "fixtures" / "conversations.json"
BASE_DAY = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc).timestamp()
RASA_PORT, ACTIONS_PORT = 5615, 5616
TOKEN = "console-fixture"

MAX_SCREENING_ANSWERS = 20


@dataclass(frozen=True)
class Scenario:
    """One conversation to record and the outcome the triage contract asks for.

    ``level`` is the final ``triage_level`` (``None``: never set), ``flags`` the
    ``red_flags`` slot at the end, ``outcome`` the console's funnel word. With
    ``answer_no`` the person answers "no" to every screening question that follows.
    """

    name: str
    channel: str
    day: int
    messages: list[str]
    level: str | None
    flags: list[str] = field(default_factory=list)
    outcome: str = "none"
    fallback_turns: int = 0
    answer_no: bool = False


SCENARIOS = [
    Scenario(
        "chest-pain-emergency",
        "rest",
        0,
        ["I had a cramp and now I have chest pain and can't breathe"],
        "emergency",
        ["chest_pain_or_breathless"],
        "escalation",
    ),
    Scenario(
        "cramp-all-clear-advice",
        "socketio",
        0,
        ["my hamstring is cramping right now"],
        "self_care",
        [],
        "advice",
        answer_no=True,
    ),
    Scenario("faq-causes", "rest", 0, ["what causes hamstring cramps?"], None),
    Scenario(
        "cannot-walk-urgent",
        "socketio",
        1,
        ["I have a hamstring cramp", "no", "no", "yes, I can't put any weight on it"],
        "urgent",
        ["cannot_bear_weight"],
        "escalation",
    ),
    Scenario(
        "stopped-after-two-questions",
        "rest",
        1,
        ["I have a cramp in my hamstring", "no", "stop"],
        None,
        [],
        "stopped",
    ),
    Scenario(
        "bruised-see-doctor",
        "rest",
        2,
        ["my hamstring cramped and my leg is bruised"],
        "see_doctor",
        ["bruising"],
        "escalation",
        answer_no=True,
    ),
    Scenario(
        "nonsense-then-question",
        "socketio",
        2,
        ["qwertyuiop asdfgh", "what causes hamstring cramps?"],
        None,
        fallback_turns=1,
    ),
    Scenario(
        "cold-pale-leg-emergency",
        "socketio",
        3,
        [
            "I have a hamstring cramp",
            "no",
            "yes, my foot is cold and pale and it really hurts",
        ],
        "emergency",
        ["cold_pale_leg"],
        "escalation",
    ),
    Scenario(
        "abandoned-mid-screening",
        "socketio",
        3,
        ["how do I get rid of a hamstring cramp?", "no"],
        None,
        [],
        "stopped",
    ),
]


def _http_json(url: str, body: dict | None = None) -> Any:
    """GET (or POST ``body``) a JSON endpoint."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def _wait_for_turn(base: str, conversation: str, user_messages: int) -> bool:
    """Wait until the tracker holds ``user_messages`` messages and is listening again.

    Returns:
        Whether the screening form is asking a question.
    """
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tracker = _http_json(
            f"{base}/conversations/{conversation}/tracker?token={TOKEN}"
        )
        events = tracker["events"]
        users = sum(e["event"] == "user" for e in events)
        if users >= user_messages and events[-1].get("name") == "action_listen":
            loop = tracker.get("active_loop") or {}
            return loop.get("name") == "screening_form"
        time.sleep(0.2)
    raise TimeoutError(f"{conversation}: no answer to message {user_messages}")


def _talk_rest(base: str, scenario: Scenario) -> str:
    """Hold a conversation over the REST channel; return its conversation id."""
    conversation = conversation_id("rest", scenario.name)
    sent = 0
    asking = False
    while True:
        text = _next_message(scenario, sent, asking)
        if text is None:
            return conversation
        _http_json(
            f"{base}/webhooks/rest/webhook", {"sender": scenario.name, "message": text}
        )
        sent += 1
        asking = _wait_for_turn(base, conversation, sent)


def _next_message(scenario: Scenario, sent: int, asking: bool) -> str | None:
    """The person's next message, or ``None`` when the conversation is over."""
    if sent < len(scenario.messages):
        return scenario.messages[sent]
    if scenario.answer_no and asking:
        if sent - len(scenario.messages) >= MAX_SCREENING_ANSWERS:
            raise RuntimeError(f"{scenario.name}: the screening does not end")
        return "no"
    return None


async def _talk_socketio(base: str, scenario: Scenario) -> str:
    """Hold a conversation over the socket.io channel; return its conversation id."""
    client = socketio.AsyncClient()
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda data: confirmed.set_result(data["session_id"]))
    await client.connect(base, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": None})
        session_id = await asyncio.wait_for(confirmed, 30)
        conversation = conversation_id("socketio", session_id)
        sent = 0
        asking = False
        while (text := _next_message(scenario, sent, asking)) is not None:
            await client.emit(
                "user_uttered", {"message": text, "session_id": session_id}
            )
            sent += 1
            asking = await asyncio.get_running_loop().run_in_executor(
                None, _wait_for_turn, base, conversation, sent
            )
    finally:
        # python-socketio's polling client can take its ping interval to say goodbye.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(client.disconnect(), 5)
    return conversation


def _stored_events(db: Path, conversation: str) -> list[dict]:
    """The events Rasa stored for a conversation, in order."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def _final_slots(events: list[dict]) -> dict:
    slots: dict = {}
    for event in events:
        if event["event"] == "slot":
            slots[event["name"]] = event["value"]
    return slots


def _moved(events: list[dict], day: int, position: int) -> list[dict]:
    """The events moved to ``BASE_DAY + day`` (plus ``position`` minutes), gaps kept."""
    first = min(e["timestamp"] for e in events)
    target = BASE_DAY + day * 86_400 + position * 60
    return [
        {**e, "timestamp": round(target + e["timestamp"] - first, 3)} for e in events
    ]


def record(model: Path, out: Path) -> None:
    """Record every scenario and write the fixture."""
    work = Path(tempfile.mkdtemp(prefix="console-fixture-"))
    db = work / "conversations.db"
    config = AssistantConfig(
        model=model,
        rasa_port=RASA_PORT,
        actions_port=ACTIONS_PORT,
        token=TOKEN,
        log_dir=work,
        credentials_text=(
            "channels.rest.RestSecureInput:\n"
            "channels.socketio.ClinicSocketIOInput:\n"
            "  user_message_evt: user_uttered\n"
            "  bot_message_evt: bot_uttered\n"
            "  session_persistence: true\n"
        ),
        endpoints_extra=f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{db}"\n',
        env={"REST_TOKEN": "", "REST_OPEN": "1"},
    )
    recorded = []
    problems = []
    with Assistant(config) as assistant:
        for position, scenario in enumerate(SCENARIOS):
            if scenario.channel == "rest":
                sender_id = _talk_rest(assistant.url, scenario)
            else:
                sender_id = asyncio.run(_talk_socketio(assistant.url, scenario))
            events = _stored_events(db, sender_id)
            slots = _final_slots(events)
            got = (slots.get("triage_level"), sorted(slots.get("red_flags") or []))
            wanted = (scenario.level, sorted(scenario.flags))
            if got != wanted:
                problems.append(
                    f"{scenario.name}: assistant gave {got}, contract {wanted}"
                )
            logger.info("%s: %d events, level %s", scenario.name, len(events), got[0])
            recorded.append(
                {
                    "sender_id": sender_id,
                    "scenario": asdict(scenario),
                    "events": _moved(events, scenario.day, position),
                }
            )
    if problems:
        raise SystemExit("the assistant broke the contract:\n" + "\n".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"conversations": recorded}, indent=1) + "\n", encoding="utf-8"
    )
    logger.info("wrote %s (%d conversations)", out, len(recorded))


def main() -> None:
    """Parse the options and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", type=Path, default=REPO / "models" / "hamstring.tar.gz"
    )
    parser.add_argument("--out", type=Path, default=FIXTURE)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    record(args.model, args.out)


if __name__ == "__main__":
    main()
