"""Matching a test case's steps against the turns of a real conversation.

Semantics (Rasa Pro's, plus this project's triage steps):

* The steps after a ``user:`` step are checked against what the bot did after that
  message, up to the next user message (one :class:`~e2e.transcript.Turn`).
* ``bot:`` and ``utter:`` steps match the bot's messages of the turn **in any order**,
  each a different message; with ``assertion_order_enabled: true`` on the user step
  they must appear in the order written (each after the previous match). Messages
  the case does not mention are allowed (write ``utter_not`` to forbid one).
  ``bot:`` compares the whole text (surrounding whitespace ignored); ``utter:``
  compares the response name, and may be a glob (``utter_remedy_*``).
* ``slot_was_set`` / ``slot_was_not_set`` look at the slot events of the whole turn.
  With a value, the value must match; without, any non-null value.
* ``assertions:`` (Rasa Pro) are checked against the events of the turn, in any
  order, or with ``assertion_order_enabled`` each after the event the previous one
  matched. ``bot_uttered`` needs one message that has every property given.
* ``triage_level`` / ``triage_level_at_least`` read the ``triage_level`` slot as it
  is at the end of the turn (``at_least`` uses the order self_care < see_doctor <
  urgent < emergency; an unset level is below all of them).
* ``conversation_deleted: true`` holds when, after the runner has waited for the
  deletion (:data:`~e2e.cases.DELETION_WAIT_S` at most), the tracker store no longer
  holds a user message of the conversation.
* ``utter_not: <glob>`` forbids matching responses from that point to the end of the
  case: in the rest of the current turn (after the last message an earlier step of
  the turn matched) and in every later turn. ``utter_not_anywhere: <glob>`` forbids
  them in the whole conversation, before that point too. ``utter_not_in_turn``
  forbids them in this turn only (the whole turn).

Every failing step of a turn is reported, not only the first. Checks before the
first ``user:`` step look at the session start (and fixtures). The assertions are
checked by :mod:`e2e.assertion_checks`; both report :class:`~e2e.failures.Failure`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from e2e.assertion_checks import check_assertions
from e2e.cases import (
    ANY,
    BOT,
    CONVERSATION_DELETED,
    DELETION_WAIT_S,
    SLOT_WAS_NOT_SET,
    SLOT_WAS_SET,
    TRIAGE_LEVEL,
    TRIAGE_LEVEL_AT_LEAST,
    TRIAGE_LEVELS,
    UTTER,
    UTTER_NOT,
    UTTER_NOT_ANYWHERE,
    UTTER_NOT_IN_TURN,
    Step,
    TestCase,
)
from e2e.failures import Failure, describe_messages
from e2e.transcript import FROM_REPLIES_NOTE, BotMessage, Turn, bot_message

TRIAGE_SLOT = "triage_level"


def level_rank(level: Any) -> int:
    """Position of a triage level (-1 when unset or unknown)."""
    return TRIAGE_LEVELS.index(level) if level in TRIAGE_LEVELS else -1


def _matches_response(message: BotMessage, pattern: str) -> bool:
    return message.response is not None and fnmatch.fnmatchcase(
        message.response, pattern
    )


def _same_value(actual: Any, expected: Any) -> bool:
    if expected is ANY:
        return actual is not None
    if isinstance(expected, list) and isinstance(actual, list):
        return sorted(map(repr, expected)) == sorted(map(repr, actual))
    return actual == expected


@dataclass
class _Watch:
    """An active ``utter_not`` from ``turn``/``position`` onwards."""

    step: Step
    turn: int


class CaseChecker:
    """Checks one case turn by turn, remembering ``utter_not`` steps across turns.

    Call :meth:`check_turn` with turn 0 (session start) and then each user turn in
    order; it returns the first failure of that turn, or ``None``.
    """

    def __init__(self, case: TestCase) -> None:
        """Prepare to check ``case``."""
        self.case = case
        self.groups = case.turns()
        self.turns: list[Turn] = []
        self.watches: list[_Watch] = []

    def check_turn(self, index: int, turn: Turn) -> list[Failure]:
        """Check the steps of turn ``index`` (0 = before the first user message).

        Returns every failure of the turn (an empty list when all steps held).
        """
        if index != len(self.turns):
            raise ValueError(
                f"turns must be checked in order: expected {len(self.turns)}, got {index}"
            )
        self.turns.append(turn)
        failures: list[Failure] = []
        all_messages = [
            bot_message(e) for e in turn.preamble if e.get("event") == "bot"
        ]
        all_messages += turn.bot_messages

        for watch in self.watches:
            forbidden = self._forbidden(
                watch.step, index, all_messages, "in a later turn"
            )
            if forbidden:
                failures.append(forbidden)

        messages = turn.bot_messages
        user_step, steps = (
            self.groups[index] if index < len(self.groups) else (None, [])
        )
        ordered = bool(user_step and user_step.ordered)
        if user_step is not None and user_step.assertions:
            failures += check_assertions(
                user_step.assertions, index, turn, ordered=ordered
            )
        used: set[int] = set()
        cursor = 0  # after the last message a step of this turn matched
        for step in steps:
            failure: Failure | None = None
            if step.kind in (BOT, UTTER):
                start = cursor if ordered else 0
                found = self._find(messages, start, step, used)
                if found is None:
                    expected = (
                        f"a message with response name {step.arg!r}"
                        if step.kind == UTTER
                        else f"a message with exactly the text {step.arg!r}"
                    )
                    if ordered and cursor:
                        expected += f" after {messages[cursor - 1].response or 'the previous match'}"
                    actual = describe_messages(messages[start:])
                    if turn.from_replies and step.kind == UTTER:
                        actual += f"\n({FROM_REPLIES_NOTE})"
                    failure = Failure(step, index, expected, actual)
                else:
                    used.add(found)
                    cursor = max(cursor, found + 1)
            elif step.kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET):
                failure = self._check_slot(step, index, turn)
            elif step.kind in (TRIAGE_LEVEL, TRIAGE_LEVEL_AT_LEAST):
                failure = self._check_level(step, index, turn)
            elif step.kind == CONVERSATION_DELETED:
                failure = self._check_deleted(step, index, turn)
            elif step.kind == UTTER_NOT:
                failure = self._forbidden(
                    step, index, messages[cursor:], "in this turn"
                )
                self.watches.append(_Watch(step, index))
            elif step.kind == UTTER_NOT_IN_TURN:
                failure = self._forbidden(step, index, messages, "in this turn")
            elif step.kind == UTTER_NOT_ANYWHERE:
                for earlier_index, earlier in enumerate(self.turns):
                    earlier_messages = [
                        bot_message(e)
                        for e in earlier.preamble + earlier.events
                        if e.get("event") == "bot"
                    ]
                    failure = self._forbidden(
                        step, earlier_index, earlier_messages, "earlier in the case"
                    )
                    if failure:
                        break
                self.watches.append(_Watch(step, index))
            if failure:
                failures.append(failure)
        return failures

    def unchecked_steps(self) -> list[Step]:
        """Steps of turns that never ran (the conversation stopped early)."""
        return [
            step
            for user, steps in self.groups[len(self.turns) :]
            for step in ([user] if user else []) + steps
        ]

    @staticmethod
    def _find(
        messages: list[BotMessage], start: int, step: Step, used: set[int]
    ) -> int | None:
        for position in range(start, len(messages)):
            if position in used:
                continue
            message = messages[position]
            if step.kind == UTTER and _matches_response(message, step.arg):
                return position
            if step.kind == BOT and (message.text or "").strip() == step.arg.strip():
                return position
        return None

    @staticmethod
    def _forbidden(
        step: Step, index: int, messages: list[BotMessage], scope: str
    ) -> Failure | None:
        for message in messages:
            if _matches_response(message, step.arg):
                return Failure(
                    step,
                    index,
                    f"no response matching {step.arg!r} {scope}",
                    f"the bot uttered {message.describe()}",
                )
        return None

    @staticmethod
    def _check_slot(step: Step, index: int, turn: Turn) -> Failure | None:
        events = [(name, value) for name, value in turn.slot_events if name == step.arg]
        hit = any(_same_value(value, step.value) for _, value in events)
        if step.kind == SLOT_WAS_SET and not hit:
            wanted = "any value" if step.value is ANY else repr(step.value)
            actual = (
                "slot events for it in this turn: "
                + ", ".join(repr(v) for _, v in events)
                if events
                else f"no slot event for {step.arg!r} in this turn (value now {turn.slots.get(step.arg)!r})"
            )
            return Failure(
                step, index, f"slot {step.arg!r} set to {wanted} in this turn", actual
            )
        if step.kind == SLOT_WAS_NOT_SET and hit:
            wanted = "to any value" if step.value is ANY else f"to {step.value!r}"
            values = ", ".join(repr(v) for _, v in events)
            return Failure(
                step,
                index,
                f"slot {step.arg!r} not set {wanted} in this turn",
                f"it was set: {values}",
            )
        return None

    @staticmethod
    def _check_deleted(step: Step, index: int, turn: Turn) -> Failure | None:
        if turn.still_stored == []:
            return None
        expected = (
            f"the tracker store no longer holds the conversation's messages"
            f" (waited up to {DELETION_WAIT_S:g}s)"
        )
        if turn.still_stored is None:
            return Failure(step, index, expected, "the tracker store was not read")
        shown = ", ".join(repr(text) for text in turn.still_stored[:3])
        more = "" if len(turn.still_stored) <= 3 else ", ..."
        return Failure(
            step,
            index,
            expected,
            f"it still holds {len(turn.still_stored)} user message(s): {shown}{more}",
        )

    @staticmethod
    def _check_level(step: Step, index: int, turn: Turn) -> Failure | None:
        level = turn.slots.get(TRIAGE_SLOT)
        if step.kind == TRIAGE_LEVEL and level != step.arg:
            return Failure(
                step,
                index,
                f"triage_level exactly {step.arg!r}",
                f"triage_level is {level!r}",
            )
        if step.kind == TRIAGE_LEVEL_AT_LEAST and level_rank(level) < level_rank(
            step.arg
        ):
            return Failure(
                step,
                index,
                f"triage_level {step.arg!r} or more urgent",
                f"triage_level is {level!r}",
            )
        return None


def check_all(case: TestCase, turns: list[Turn]) -> list[Failure]:
    """Every failure of a recorded conversation (turn 0 = session start)."""
    checker = CaseChecker(case)
    failures: list[Failure] = []
    for index, turn in enumerate(turns):
        failures += checker.check_turn(index, turn)
    missing = checker.unchecked_steps()
    if missing:
        step = missing[0]
        failures.append(
            Failure(
                step,
                len(turns),
                step.describe(),
                "the conversation ended before this step",
            )
        )
    return failures


def check_transcript(case: TestCase, turns: list[Turn]) -> Failure | None:
    """The first failure of a recorded conversation, or ``None`` when it passed."""
    failures = check_all(case, turns)
    return failures[0] if failures else None
