"""Tracker events as Rasa 3.6's tracker API returns them, and turns made of them.

``bot`` events carry the response name in ``metadata.utter_action``.
"""

from __future__ import annotations

from typing import Any

from e2e.transcript import Turn


def user(text: str, intent: str = "report_cramp", *entities: tuple[str, str]) -> dict:
    """The user event of ``text``: NLU's ``intent`` and red-flag ``(flag, role)`` entities."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 1.0},
            "entities": [
                {"entity": "red_flag", "value": flag, "role": role}
                for flag, role in entities
            ],
        },
    }


def bot(
    response: str | None,
    text: str | None = None,
    *,
    buttons: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A bot message from ``response`` (``None``: said without a response name)."""
    return {
        "event": "bot",
        "text": f"text of {response}" if text is None else text,
        "data": {"buttons": buttons},
        "metadata": {"utter_action": response} if response else {},
    }


def slot(name: str, value: Any) -> dict[str, Any]:
    """A slot event."""
    return {"event": "slot", "name": name, "value": value}


def action(name: str) -> dict[str, Any]:
    """An action event."""
    return {"event": "action", "name": name}


SESSION = (
    action("action_session_start"),
    {"event": "session_started"},
    action("action_listen"),
)
"""The events that start a session, before the first message."""


def session_start() -> Turn:
    """The turn before the first message: the session's start events."""
    return Turn(user=None, events=[dict(e) for e in SESSION])


def turn(
    text: str, *events: dict[str, Any], slots: dict[str, Any] | None = None
) -> Turn:
    """The turn of the message ``text``: its user event, ``events``, then listening."""
    return Turn(
        user=text,
        events=[user(text), *events, action("action_listen")],
        slots=slots or {},
    )
