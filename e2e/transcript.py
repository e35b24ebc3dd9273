"""What happened in a conversation, read from the tracker's events.

A :class:`Turn` is what one user message caused: the tracker events from that user
event up to the next one, and the slot values once the bot was done. Events the same
request produced before the user event (a new session starting) are kept apart in
``preamble`` so they never count as the bot's answer to the message. Turns are plain
data (JSON-serialisable), so a run can be recorded and checked again offline.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class BotMessage:
    """One ``bot`` event: its text, buttons and the response name it came from."""

    text: str | None
    response: str | None
    buttons: tuple[str, ...] = ()
    payloads: tuple[str | None, ...] = ()

    def describe(self) -> str:
        """``utter_x: "text" [Yes | No]`` for reports."""
        name = self.response or "(no response name)"
        parts = [f"{name}: {self.text!r}" if self.text is not None else name]
        if self.buttons:
            parts.append("[" + " | ".join(self.buttons) + "]")
        return " ".join(parts)


def bot_message(event: dict[str, Any]) -> BotMessage:
    """The :class:`BotMessage` of a tracker ``bot`` event.

    Rasa 3.6 puts the response name in ``metadata.utter_action`` both for responses
    predicted directly and for those a custom action dispatched by name.
    """
    metadata = event.get("metadata") or {}
    data = event.get("data") or {}
    raw_buttons = [b for b in (data.get("buttons") or []) if isinstance(b, dict)]
    return BotMessage(
        text=event.get("text"),
        response=metadata.get("utter_action") or metadata.get("template_name"),
        buttons=tuple(
            str(b.get("title") or b.get("payload") or "") for b in raw_buttons
        ),
        payloads=tuple(
            None if b.get("payload") is None else str(b.get("payload"))
            for b in raw_buttons
        ),
    )


@dataclass
class Turn:
    """What the bot did after one user message (or, for ``user is None``, at session start)."""

    user: str | None
    events: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    preamble: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    # After a ``conversation_deleted`` step: the user messages the tracker store still
    # held once the runner had waited for the deletion (``None``: not looked at).
    still_stored: list[str] | None = None
    # The store did not hold the message when the runner read it (the conversation
    # was deleted right after the turn): ``events`` are the REST replies, unnamed.
    from_replies: bool = False

    @property
    def bot_messages(self) -> list[BotMessage]:
        """The bot's messages in this turn, in order."""
        return [bot_message(e) for e in self.events if e.get("event") == "bot"]

    @property
    def slot_events(self) -> list[tuple[str, Any]]:
        """``(slot, value)`` for every slot event in this turn, in order."""
        return [
            (str(e.get("name")), e.get("value"))
            for e in self.events
            if e.get("event") == "slot"
        ]

    @property
    def intent(self) -> tuple[str, float] | None:
        """The intent and confidence NLU gave the user message, if there was one."""
        for event in self.events:
            if event.get("event") == "user":
                intent = (event.get("parse_data") or {}).get("intent") or {}
                if intent.get("name"):
                    return str(intent["name"]), float(intent.get("confidence") or 0.0)
                return None
        return None

    @property
    def entities(self) -> list[str]:
        """``entity=value`` for entities NLU found in the user message."""
        for event in self.events:
            if event.get("event") == "user":
                found = (event.get("parse_data") or {}).get("entities") or []
                return [
                    f"{e.get('entity')}={e.get('value')!r}"
                    + (f" ({e['role']})" if e.get("role") else "")
                    for e in found
                ]
        return []

    @property
    def actions(self) -> list[str]:
        """Names of the actions the assistant ran in this turn (``action_listen`` left out)."""
        return [
            str(e.get("name"))
            for e in self.events
            if e.get("event") == "action" and e.get("name") != "action_listen"
        ]

    def to_dict(self) -> dict[str, Any]:
        """The turn as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        """Rebuild a turn recorded with :meth:`to_dict`."""
        return cls(
            user=data.get("user"),
            events=list(data.get("events") or []),
            slots=dict(data.get("slots") or {}),
            preamble=list(data.get("preamble") or []),
            replies=list(data.get("replies") or []),
            still_stored=data.get("still_stored"),
            from_replies=bool(data.get("from_replies")),
        )


def replies_as_events(text: str, replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A turn's user message and REST replies as tracker events (no response names).

    For a turn the tracker store no longer holds: the client's view of it.
    """
    events: list[dict[str, Any]] = [{"event": "user", "text": text}]
    for reply in replies:
        buttons = reply.get("buttons")
        events.append(
            {"event": "bot", "text": reply.get("text"), "data": {"buttons": buttons}}
        )
    return events


def split_new_events(
    new_events: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split the events one request added into (before the user event, from it on)."""
    for index, event in enumerate(new_events):
        if event.get("event") == "user":
            return new_events[:index], new_events[index:]
    return new_events, []


def transcript_lines(turns: list[Turn]) -> list[tuple[str, str]]:
    """The conversation as ``(speaker, text)`` lines for console and HTML reports.

    Speakers are ``user``, ``bot``, ``slot``, ``action`` and ``note``; user lines
    start with ``[turn N]``, the number failures refer to (turn 0 is the session start).
    """
    lines: list[tuple[str, str]] = []
    for number, turn in enumerate(turns):
        if turn.user is not None:
            text = (
                turn.user
                if len(turn.user) <= 300
                else f"{turn.user[:297]}… ({len(turn.user)} characters)"
            )
            nlu = ""
            if turn.intent:
                name, confidence = turn.intent
                nlu = f"   [intent {name} {confidence:.2f}"
                if turn.entities:
                    nlu += "; " + ", ".join(turn.entities)
                nlu += "]"
            lines.append(("user", f"[turn {number}] {text!r}{nlu}"))
        for event in turn.preamble + turn.events:
            kind = event.get("event")
            if kind == "bot":
                lines.append(("bot", bot_message(event).describe()))
            elif kind == "slot":
                lines.append(("slot", f"{event.get('name')} = {event.get('value')!r}"))
            elif kind == "action" and event.get("name") not in ("action_listen", None):
                lines.append(("action", str(event.get("name"))))
            elif kind in ("restart", "session_started"):
                lines.append(("note", kind))
        if turn.from_replies:
            lines.append(("note", FROM_REPLIES_NOTE))
        if turn.still_stored is not None:
            lines.append(("note", deletion_note(turn.still_stored)))
    return lines


FROM_REPLIES_NOTE = (
    "the tracker store did not hold this turn when it was read (deleted right after"
    " it was stored?): shown from the REST replies, which carry no response names"
)


def deletion_note(still_stored: list[str]) -> str:
    """What a deletion check found in the tracker store, for reports."""
    if not still_stored:
        return "the tracker store no longer holds the conversation's messages"
    return (
        f"the tracker store still holds {len(still_stored)} user message(s) of the"
        " conversation"
    )
