"""``e2e record``: turn a real conversation into a test case.

The conversation is read from the tracker API by its conversation id (``GET
/conversations/<id>/tracker``): the id the safety console, the tracker store and the
e2e reports show, namespaced by channel (``rest:me``, ``telegram:12345``,
``web:<session id>``; ``channels/conversation_id.py``). Each user message becomes a
``user:`` step
followed by what the bot did in answer: an ``utter:`` step per response (``bot:``
with the text when a message has no response name), the slots set (``slot_was_set``,
``requested_slot`` left out) and, when the triage level changed, a ``triage_level:``
step. Replaying the file checks that the assistant still behaves as it did; edit
it into a case that says what must hold (``utter_not``, fewer exact steps).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import aiohttp
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

from channels.conversation_id import channel_of, conversation_id
from e2e.cases import TRIAGE_LEVEL
from e2e.rasa_client import RasaClient
from e2e.transcript import bot_message

# Slots that say where a form is, not what the person said.
_SKIPPED_SLOTS = {"requested_slot"}


def case_name(conversation: str) -> str:
    """A test case name made from a conversation id."""
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", conversation).strip("_")
    return "recorded_" + (slug or "case")


def case_from_events(events: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """A test case (plain data) holding the conversation in ``events``.

    Only the latest session is used (from the last ``session_started``), as the
    runner starts each case in a fresh conversation.
    """
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    if starts:
        events = events[starts[-1] :]
    steps: list[dict[str, Any]] = []
    slots: list[dict[str, Any]] = []
    level: Any = None
    level_changed = False

    def close_turn() -> None:
        nonlocal slots, level_changed
        if slots:
            steps.append({"slot_was_set": slots})
        if level_changed and level is not None:
            steps.append({TRIAGE_LEVEL: level})
        slots, level_changed = [], False

    seen_user = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                close_turn()
            seen_user = True
            steps.append({"user": Quoted(str(event.get("text") or ""))})
        elif not seen_user:
            continue
        elif kind == "bot":
            message = bot_message(event)
            if message.response:
                steps.append({"utter": message.response})
            else:
                steps.append({"bot": Quoted(message.text or "")})
        elif kind == "slot" and event.get("name") not in _SKIPPED_SLOTS:
            slot, value = str(event.get("name")), event.get("value")
            if slot == TRIAGE_LEVEL and value != level:
                level, level_changed = value, True
            entry = {slot: Quoted(value) if isinstance(value, str) else value}
            if entry not in slots:
                slots.append(entry)
    close_turn()
    return {"test_case": name, "steps": steps}


async def fetch_events(
    url: str, conversation: str, token: str | None
) -> list[dict[str, Any]]:
    """The events of ``conversation`` from the tracker API."""
    async with aiohttp.ClientSession() as session:
        tracker = await RasaClient(session, url, token=token).tracker(conversation)
    return list(tracker.get("events") or [])


def write_case(case: dict[str, Any], path: Path) -> None:
    """Add ``case`` to the ``test_cases:`` of ``path`` (a new file when there is none)."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # type: ignore[assignment]
    document: Any = CommentedMap()
    if path.is_file():
        document = yaml.load(path.read_text(encoding="utf-8")) or CommentedMap()
    document.setdefault("test_cases", [])
    names = {c.get("test_case") for c in document["test_cases"]}
    if case["test_case"] in names:
        raise ValueError(f"{path} already has a test case {case['test_case']!r}")
    document["test_cases"].append(case)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)


def record(
    *,
    url: str,
    conversation: str,
    token: str | None,
    out: Path,
    name: str | None = None,
) -> dict[str, Any]:
    """Read ``conversation`` (its id as stored) and add it to ``out`` as a test case."""
    events = asyncio.run(fetch_events(url, conversation, token))
    if not any(e.get("event") == "user" for e in events):
        hint = ""
        if channel_of(conversation) is None:
            hint = (
                " (conversation ids carry their channel, e.g."
                f" {conversation_id('rest', conversation)!r} for the REST sender"
                f" {conversation!r})"
            )
        raise ValueError(f"conversation {conversation!r} has no user message{hint}")
    case = case_from_events(events, name or case_name(conversation))
    write_case(case, out)
    return case
