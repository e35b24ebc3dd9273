"""Test cases in Rasa Pro's end-to-end YAML format, plus this project's triage steps.

A file holds a ``test_cases:`` list and optionally a ``fixtures:`` list::

    fixtures:
      - clinic:
          - clinic_name: Riverside Clinic
          - clinic_phone: "+1 555 0100"

    test_cases:
      - test_case: bruising_needs_a_doctor
        fixtures: [clinic]
        steps:
          - user: "my hamstring cramped and now there is bruising"
          - utter: utter_escalate_see_doctor
          - triage_level: see_doctor
          - utter_not: utter_remedy_*

``conversation_deleted: true`` after a user step waits until the tracker store no
longer holds the conversation's messages (a deletion the person asked for).

Rasa Pro's other keys work too: ``assertions:`` on a user step (``action_executed``,
``slot_was_set``, ``slot_was_not_set``, ``bot_uttered``, ``bot_did_not_utter``) with
``assertion_order_enabled``, named ``metadata:`` sent with the messages of a case or a
step, and ``stub_custom_actions:`` answered by :mod:`e2e.stubs` instead of the action
server. A path may name one case: ``tests/e2e/faq.yml::faq_causes``.

This module holds what a file says: the step kinds, and the steps, assertions, stubs,
fixtures and cases read from it. :mod:`e2e.case_files` reads the files (with
:mod:`e2e.case_steps` for each step); :mod:`e2e.domain_check` then checks names
against the domain.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from e2e.yaml_nodes import shorten

# Triage levels, least to most urgent (triage contract, slot ``triage_level``).
TRIAGE_LEVELS: tuple[str, ...] = ("self_care", "see_doctor", "urgent", "emergency")

USER = "user"
BOT = "bot"
UTTER = "utter"
SLOT_WAS_SET = "slot_was_set"
SLOT_WAS_NOT_SET = "slot_was_not_set"
UTTER_NOT = "utter_not"
UTTER_NOT_ANYWHERE = "utter_not_anywhere"
UTTER_NOT_IN_TURN = "utter_not_in_turn"
TRIAGE_LEVEL = "triage_level"
TRIAGE_LEVEL_AT_LEAST = "triage_level_at_least"
CONVERSATION_DELETED = "conversation_deleted"

STEP_KINDS: tuple[str, ...] = (
    USER,
    BOT,
    UTTER,
    SLOT_WAS_SET,
    SLOT_WAS_NOT_SET,
    UTTER_NOT,
    UTTER_NOT_ANYWHERE,
    UTTER_NOT_IN_TURN,
    TRIAGE_LEVEL,
    TRIAGE_LEVEL_AT_LEAST,
    CONVERSATION_DELETED,
)
# How long the runner waits for a requested deletion to reach the tracker store
# (``conversation_deleted: true``); the assistant deletes once the turn is stored.
DELETION_WAIT_S = 10.0
# Rasa Pro's assertion types (the user step's ``assertions:`` list). The flow
# assertions (flow_started, ...) need Rasa Pro's flows, which Rasa 3.6 does not have.
ACTION_EXECUTED = "action_executed"
BOT_UTTERED = "bot_uttered"
BOT_DID_NOT_UTTER = "bot_did_not_utter"
ASSERTION_KINDS: tuple[str, ...] = (
    ACTION_EXECUTED,
    SLOT_WAS_SET,
    SLOT_WAS_NOT_SET,
    BOT_UTTERED,
    BOT_DID_NOT_UTTER,
)
FLOW_ASSERTIONS: tuple[str, ...] = (
    "flow_started",
    "flow_completed",
    "flow_cancelled",
    "pattern_clarification_contains",
    "generative_response_is_relevant",
    "generative_response_is_grounded",
)
# Steps that Rasa Pro ignores in a case that uses assertions (an error here).
CLASSIC_STEPS: tuple[str, ...] = (BOT, UTTER, SLOT_WAS_SET, SLOT_WAS_NOT_SET)

METADATA = "metadata"
ASSERTIONS = "assertions"
ASSERTION_ORDER_ENABLED = "assertion_order_enabled"
STUB_SEPARATOR = "::"


class _Any:
    """Marker for a slot step without a value: any value counts."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()


class CaseFileError(ValueError):
    """A test case file cannot be read or does not follow the format."""


@dataclass(frozen=True)
class Step:
    """One step of a test case.

    ``arg`` is the user text, the bot text, the response name, the slot name, the
    glob pattern or the triage level, depending on ``kind``. ``value`` is the
    expected slot value (``ANY`` when the step names only the slot).
    """

    kind: str
    arg: str
    where: str
    value: Any = ANY
    repeat: int = 1
    # User steps only: Rasa Pro assertions (``None`` when the step has none), whether
    # the turn's steps must match in the order written, and the step's own metadata.
    assertions: tuple[Assertion, ...] | None = None
    ordered: bool = False
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def is_user(self) -> bool:
        """Whether this step is a user message (it starts a new turn)."""
        return self.kind == USER

    @property
    def user_text(self) -> str:
        """The message to send for a user step (``arg`` repeated ``repeat`` times)."""
        return self.arg * self.repeat

    def describe(self) -> str:
        """The step as a tester wrote it, for reports."""
        if self.kind == USER:
            text = shorten(self.arg)
            suffix = (
                f" (x{self.repeat}, {len(self.user_text)} characters)"
                if self.repeat > 1
                else ""
            )
            return f"user: {text!r}{suffix}"
        if self.kind == BOT:
            return f"bot: {self.arg!r}"
        if self.kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET):
            if self.value is ANY:
                return f"{self.kind}: {self.arg}"
            return f"{self.kind}: {self.arg}: {self.value!r}"
        return f"{self.kind}: {self.arg}"


@dataclass(frozen=True)
class Assertion:
    """One item of a user step's ``assertions:`` list (Rasa Pro's assertion types).

    ``name`` is the action (``action_executed``) or the slot (slot assertions, one
    :class:`Assertion` per slot); ``value`` the slot value (``ANY`` when not given).
    ``bot_uttered``/``bot_did_not_utter`` use ``utter_name``, ``text_matches`` (a
    regular expression searched in the text) and ``buttons`` (``(title, payload)``
    pairs, ``payload`` ``None`` for any).
    """

    kind: str
    where: str
    name: str | None = None
    value: Any = ANY
    utter_name: str | None = None
    text_matches: str | None = None
    buttons: tuple[tuple[str, str | None], ...] = ()

    def describe(self) -> str:
        """The assertion as a tester wrote it, for reports."""
        if self.kind == ACTION_EXECUTED:
            return f"{self.kind}: {self.name}"
        if self.kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET):
            value = "" if self.value is ANY else f", value: {self.value!r}"
            return f"{self.kind}: name: {self.name}{value}"
        parts = []
        if self.utter_name is not None:
            parts.append(f"utter_name: {self.utter_name}")
        if self.text_matches is not None:
            parts.append(f"text_matches: {self.text_matches!r}")
        if self.buttons:
            shown = ", ".join(
                title if payload is None else f"{title} ({payload})"
                for title, payload in self.buttons
            )
            parts.append(f"buttons: [{shown}]")
        return f"{self.kind}: {'; '.join(parts)}"


@dataclass(frozen=True)
class Stub:
    """What a stubbed custom action returns: tracker events and bot responses."""

    action: str
    events: tuple[dict[str, Any], ...]
    responses: tuple[dict[str, Any], ...]
    where: str

    def answer(self) -> dict[str, Any]:
        """The action server's JSON answer for this stub."""
        return {"events": list(self.events), "responses": list(self.responses)}


@dataclass(frozen=True)
class Fixture:
    """Slot values set at the start of a conversation, before the first user message."""

    name: str
    slots: dict[str, Any]


@dataclass(frozen=True)
class TestCase:
    """A named conversation: its steps and the fixtures applied before it starts."""

    name: str
    steps: tuple[Step, ...]
    fixtures: tuple[Fixture, ...]
    where: str
    # Metadata sent with every user message (a step's own metadata wins), and the
    # custom actions answered from the file, by action name.
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    stubs: dict[str, Stub] = field(default_factory=dict, hash=False, compare=False)

    __test__ = False  # not a pytest test class

    @property
    def uses_assertions(self) -> bool:
        """Whether a user step of the case has Rasa Pro ``assertions:``."""
        return any(step.assertions is not None for step in self.steps)

    def message_metadata(self, step: Step) -> dict[str, Any]:
        """Metadata to send with the user message of ``step``."""
        return {**self.metadata, **step.metadata}

    @property
    def file(self) -> str:
        """The file the case was read from."""
        return self.where.rsplit(":", 1)[0]

    def turns(self) -> list[tuple[Step | None, list[Step]]]:
        """The steps grouped by turn.

        Each item is a user step (``None`` for the checks written before the first
        user message) and the checks that follow it up to the next user step.
        """
        groups: list[tuple[Step | None, list[Step]]] = [(None, [])]
        for step in self.steps:
            if step.is_user:
                groups.append((step, []))
            else:
                groups[-1][1].append(step)
        return groups


@dataclass(frozen=True)
class Suite:
    """All test cases read from the given paths, in file order."""

    cases: tuple[TestCase, ...]

    def select(self, names: Iterable[str]) -> Suite:
        """Only the cases whose name is in ``names`` (or matches one as a glob)."""
        import fnmatch

        patterns = list(names)
        if not patterns:
            return self
        chosen = tuple(
            case
            for case in self.cases
            if any(fnmatch.fnmatchcase(case.name, p) for p in patterns)
        )
        return dataclasses.replace(self, cases=chosen)
