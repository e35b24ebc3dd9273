"""What a conversation says about the assistant's safety, read from its Rasa events.

Pure functions over the event dicts that Rasa stores (the ``data`` column of its
``events`` table); nothing here touches a database, so every rule can be tested on a
list of events. The vocabulary is the triage contract's: the slot ``triage_level`` is unset until screening concluded or a red flag
fixed a level, and the slot ``red_flags`` lists the flags reported so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LEVELS = ("self_care", "see_doctor", "urgent", "emergency")
"""The contract's triage levels, least urgent first."""

ESCALATED_LEVELS = frozenset({"see_doctor", "urgent", "emergency"})

SCREENING_FORM = "screening_form"
ADVICE_ACTION = "action_give_remedy_advice"
STOP_ACTION = "action_stop_screening"
FALLBACK_ACTION = "action_handle_fallback"
FALLBACK_INTENT = "nlu_fallback"
RED_FLAG_ENTITY = "red_flag"

Event = Mapping[str, Any]


@dataclass(frozen=True)
class Entity:
    """An entity of a user message: a red flag's id and the person's role."""

    entity: str
    value: str
    role: str | None
    extractor: str | None


@dataclass
class BotStep:
    """One action the assistant took in a turn: who chose it, what it said and set."""

    action: str
    policy: str | None
    confidence: float | None
    responses: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """A person's message and everything the assistant did until the next one."""

    index: int
    timestamp: float
    text: str | None
    intent: str | None
    confidence: float | None
    entities: tuple[Entity, ...]
    steps: list[BotStep] = field(default_factory=list)
    slots_changed: dict[str, Any] = field(default_factory=dict)
    slots_from_message: dict[str, Any] = field(default_factory=dict)
    triage_level: str | None = None

    @property
    def red_flag_entities(self) -> tuple[Entity, ...]:
        """The red-flag entities of the message."""
        return tuple(e for e in self.entities if e.entity == RED_FLAG_ENTITY)

    @property
    def is_fallback(self) -> bool:
        """Whether the assistant fell back (did not understand) in this turn."""
        return self.intent == FALLBACK_INTENT or any(
            step.action == FALLBACK_ACTION for step in self.steps
        )


@dataclass(frozen=True)
class Summary:
    """The facts of one conversation that the overview and the list filter on."""

    sender_id: str
    channel: str
    started_at: float
    last_at: float
    user_turns: int
    fallback_turns: int
    triage_level: str | None
    red_flags: tuple[str, ...]
    screening_started: bool
    screening_concluded: bool
    advice_given: bool
    stopped_by_person: bool
    seconds_to_escalation: float | None

    @property
    def escalated(self) -> bool:
        """Whether the person was told to get care (any level above self-care)."""
        return self.triage_level in ESCALATED_LEVELS

    @property
    def stopped_mid_screening(self) -> bool:
        """Screening began but neither concluded nor was cut short by a red flag."""
        return self.screening_started and self.triage_level is None

    @property
    def outcome(self) -> str:
        """One word for the screening funnel: escalation, advice, stopped, screened.

        ``none`` when screening never started and no red flag fixed a level.
        """
        if self.escalated:
            return "escalation"
        if self.advice_given:
            return "advice"
        if self.stopped_mid_screening:
            return "stopped"
        if self.triage_level is not None:
            return "screened"
        return "none"

    @property
    def needs_attention(self) -> bool:
        """Whether a safety officer should look: escalated, stopped or not understood."""
        return self.escalated or self.stopped_mid_screening or self.fallback_turns > 0


def _user_entities(event: Event) -> tuple[Entity, ...]:
    """The entities of a user event's parse data."""
    entities = (event.get("parse_data") or {}).get("entities") or []
    return tuple(
        Entity(
            entity=str(e.get("entity")),
            value=str(e.get("value")),
            role=e.get("role"),
            extractor=e.get("extractor"),
        )
        for e in entities
    )


def _new_turn(index: int, event: Event) -> Turn:
    """A turn opened by a user event."""
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return Turn(
        index=index,
        timestamp=float(event.get("timestamp") or 0.0),
        text=event.get("text"),
        intent=intent.get("name"),
        confidence=intent.get("confidence"),
        entities=_user_entities(event),
    )


def turns(events: Iterable[Event]) -> list[Turn]:
    """Split a conversation into turns, each with the why of the assistant's replies.

    Events before the first message (session start, clinic slots) form turn 0 with no
    text. A slot counts as changed only when its value differs from the one before; a
    change belongs to the action whose events it follows (Rasa stores an action's event
    before the events it returned), or, before any action, to the message itself (the
    slot mappings that ``action_extract_slots`` applies). A turn's ``triage_level`` is
    the level in force after it.
    """
    result: list[Turn] = []
    current = Turn(
        index=0, timestamp=0.0, text=None, intent=None, confidence=None, entities=()
    )
    slots: dict[str, Any] = {}
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if current.text is not None or current.steps or current.slots_changed:
                result.append(current)
            current = _new_turn(len(result), event)
        elif kind == "action":
            if current.timestamp == 0.0:
                current.timestamp = float(event.get("timestamp") or 0.0)
            current.steps.append(
                BotStep(
                    action=str(event.get("name")),
                    policy=event.get("policy"),
                    confidence=event.get("confidence"),
                )
            )
        elif kind == "bot" and current.steps:
            response = (event.get("metadata") or {}).get("utter_action")
            if response:
                current.steps[-1].responses.append(response)
            current.steps[-1].texts.append(str(event.get("text") or ""))
        elif kind == "slot":
            name = str(event.get("name"))
            value = event.get("value")
            if slots.get(name) != value:
                current.slots_changed[name] = value
                owner = current.steps[-1].slots if current.steps else None
                (current.slots_from_message if owner is None else owner)[name] = value
            slots[name] = value
        elif kind == "restart":
            slots = {}
        current.triage_level = slots.get("triage_level")
    if current.text is not None or current.steps or current.slots_changed:
        result.append(current)
    return result


def summarise(sender_id: str, events: Sequence[Event]) -> Summary:
    """Summarise one conversation from its events (in the order Rasa stored them)."""
    channel = "unknown"
    first_user_at: float | None = None
    escalated_at: float | None = None
    user_turns = fallback_turns = 0
    slots: dict[str, Any] = {}
    started = concluded = advice = stopped = False
    last_intent: str | None = None
    fallback_in_turn = False
    for event in events:
        kind = event.get("event")
        timestamp = float(event.get("timestamp") or 0.0)
        if kind == "user":
            user_turns += 1
            fallback_in_turn = False
            if first_user_at is None:
                first_user_at = timestamp
                channel = event.get("input_channel") or channel
            last_intent = ((event.get("parse_data") or {}).get("intent") or {}).get(
                "name"
            )
            if last_intent == FALLBACK_INTENT:
                fallback_turns += 1
                fallback_in_turn = True
        elif kind == "action":
            name = event.get("name")
            if name == FALLBACK_ACTION and not fallback_in_turn and user_turns:
                fallback_turns += 1
                fallback_in_turn = True
            advice = advice or name == ADVICE_ACTION
            stopped = stopped or name == STOP_ACTION
        elif kind == "active_loop" and event.get("name") == SCREENING_FORM:
            started = True
        elif kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
            if event.get("name") == "triage_level" and event.get("value") is not None:
                concluded = True
                if escalated_at is None and event.get("value") in ESCALATED_LEVELS:
                    escalated_at = timestamp
        elif kind == "restart":
            slots = {}
    first = float(events[0].get("timestamp") or 0.0) if events else 0.0
    last = float(events[-1].get("timestamp") or 0.0) if events else 0.0
    started_at = first_user_at if first_user_at is not None else first
    return Summary(
        sender_id=sender_id,
        channel=channel,
        started_at=started_at,
        last_at=last,
        user_turns=user_turns,
        fallback_turns=fallback_turns,
        triage_level=slots.get("triage_level"),
        red_flags=tuple(slots.get("red_flags") or ()),
        screening_started=started,
        screening_concluded=concluded,
        advice_given=advice,
        stopped_by_person=stopped,
        seconds_to_escalation=(
            escalated_at - started_at if escalated_at is not None else None
        ),
    )
