"""Checking Rasa Pro's ``assertions:`` against the events of one turn.

A user step's assertions are checked in any order, or with
``assertion_order_enabled`` each after the event the previous one matched.
``bot_uttered`` needs one message that has every property given;
``bot_did_not_utter`` fails on a message that shows any of them. :mod:`e2e.checking`
calls :func:`check_assertions` for each turn.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from e2e.cases import (
    ACTION_EXECUTED,
    ANY,
    BOT_DID_NOT_UTTER,
    BOT_UTTERED,
    SLOT_WAS_NOT_SET,
    SLOT_WAS_SET,
    Assertion,
)
from e2e.failures import Failure, describe_messages
from e2e.transcript import BotMessage, Turn, bot_message


def _bot_matches(assertion: Assertion, message: BotMessage) -> bool:
    """Whether one message has every property ``bot_uttered`` asks for."""
    if assertion.utter_name is not None and message.response != assertion.utter_name:
        return False
    if assertion.text_matches is not None and not re.search(
        assertion.text_matches, message.text or ""
    ):
        return False
    if assertion.buttons:
        actual = list(zip(message.buttons, message.payloads, strict=True))
        if len(actual) != len(assertion.buttons):
            return False
        for (title, payload), (want_title, want_payload) in zip(
            actual, assertion.buttons, strict=True
        ):
            if title != want_title or (
                want_payload is not None and payload != want_payload
            ):
                return False
    return True


def _forbidden_part(assertion: Assertion, message: BotMessage) -> str | None:
    """What of ``bot_did_not_utter`` a message shows (``None`` when nothing)."""
    if assertion.utter_name is not None and message.response == assertion.utter_name:
        return f"the response {assertion.utter_name!r}"
    if assertion.text_matches is not None and re.search(
        assertion.text_matches, message.text or ""
    ):
        return f"text matching {assertion.text_matches!r}"
    pairs = set(zip(message.buttons, message.payloads, strict=True))
    for title, payload in assertion.buttons:
        if any(t == title and (payload is None or p == payload) for t, p in pairs):
            return f"the button {title!r}"
    return None


def check_assertions(
    assertions: tuple[Assertion, ...], index: int, turn: Turn, *, ordered: bool
) -> list[Failure]:
    """Check Rasa Pro assertions against the events of one turn.

    In any order by default; with ``ordered`` each assertion is looked for after the
    event the previous one matched (Rasa Pro's ``assertion_order_enabled``).
    """
    events = turn.events
    failures: list[Failure] = []
    start = 0
    for assertion in assertions:
        window = events[start:] if ordered else events
        offset = start if ordered else 0
        found, failure = _run_assertion(assertion, index, window)
        if failure is not None:
            if ordered and start:
                failure = dataclasses.replace(
                    failure,
                    expected=failure.expected
                    + " (after the event the assertion before it matched)",
                )
            failures.append(failure)
        elif ordered and found is not None:
            start = offset + found + 1
    return failures


def _describe_events(events: list[dict[str, Any]], kind: str) -> str:
    if kind == "bot":
        messages = [bot_message(e) for e in events if e.get("event") == "bot"]
        return describe_messages(messages)
    if kind == "action":
        names = [
            str(e.get("name"))
            for e in events
            if e.get("event") == "action" and e.get("name") != "action_listen"
        ]
        return "actions run: " + (", ".join(names) if names else "none")
    slots = [
        f"{e.get('name')}={e.get('value')!r}"
        for e in events
        if e.get("event") == "slot"
    ]
    return "slot events: " + (", ".join(slots) if slots else "none")


def _run_assertion(
    assertion: Assertion, index: int, events: list[dict[str, Any]]
) -> tuple[int | None, Failure | None]:
    """(position of the matching event, failure) of one assertion on turn events."""
    kind = assertion.kind
    if kind == ACTION_EXECUTED:
        for position, event in enumerate(events):
            if event.get("event") == "action" and event.get("name") == assertion.name:
                return position, None
        return None, Failure(
            assertion,
            index,
            f"action {assertion.name!r} executed in this turn",
            _describe_events(events, "action"),
        )
    if kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET):
        matching = [
            (position, event)
            for position, event in enumerate(events)
            if event.get("event") == "slot" and event.get("name") == assertion.name
        ]
        if kind == SLOT_WAS_SET:
            for position, event in matching:
                if assertion.value is ANY or event.get("value") == assertion.value:
                    return position, None
            wanted = "" if assertion.value is ANY else f" to {assertion.value!r}"
            return None, Failure(
                assertion,
                index,
                f"slot {assertion.name!r} set{wanted} in this turn",
                _describe_events(events, "slot"),
            )
        if matching:
            position, last = matching[-1]
            value = last.get("value")
            if (assertion.value is ANY and value is not None) or (
                assertion.value is not ANY and value == assertion.value
            ):
                wanted = "" if assertion.value is ANY else f" to {assertion.value!r}"
                return None, Failure(
                    assertion,
                    index,
                    f"slot {assertion.name!r} not set{wanted} in this turn",
                    f"it was set to {value!r}",
                )
            return position, None
        return None, None
    bot_positions = [
        (position, bot_message(event))
        for position, event in enumerate(events)
        if event.get("event") == "bot"
    ]
    if kind == BOT_UTTERED:
        for position, message in bot_positions:
            if _bot_matches(assertion, message):
                return position, None
        return None, Failure(
            assertion,
            index,
            "a message with " + assertion.describe().split(": ", 1)[1],
            _describe_events(events, "bot"),
        )
    assert kind == BOT_DID_NOT_UTTER
    for _position, message in bot_positions:
        part = _forbidden_part(assertion, message)
        if part:
            return None, Failure(
                assertion,
                index,
                f"no message with {part} in this turn",
                f"the bot uttered {message.describe()}",
            )
    return None, None
