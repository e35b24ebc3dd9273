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

Rasa Pro's other keys work too: ``assertions:`` on a user step (``action_executed``,
``slot_was_set``, ``slot_was_not_set``, ``bot_uttered``, ``bot_did_not_utter``) with
``assertion_order_enabled``, named ``metadata:`` sent with the messages of a case or a
step, and ``stub_custom_actions:`` answered by :mod:`e2e.stubs` instead of the action
server. A path may name one case: ``tests/e2e/faq.yml::faq_causes``.

Loading checks the whole file up front (unknown step keys, unknown fixtures, bad
triage levels, duplicate names) and reports ``file:line`` so a tester sees the typo
before any conversation runs; :mod:`e2e.domain_check` then checks names against the
domain.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from e2e.yaml_nodes import item_line, line_of, plain, shorten

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
)
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

# Keys allowed beside the step key (``repeat`` builds long user messages).
_STEP_OPTIONS: dict[str, tuple[str, ...]] = {
    USER: ("repeat", METADATA, ASSERTIONS, ASSERTION_ORDER_ENABLED)
}
_TOP_LEVEL_KEYS = ("test_cases", "fixtures", METADATA, "stub_custom_actions")
_CASE_KEYS = ("test_case", "steps", "fixtures", METADATA)


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


def split_case_path(raw: str | Path) -> tuple[Path, str | None]:
    """``file.yml::case name`` into the file and the case name (Rasa Pro's syntax)."""
    text = str(raw)
    if STUB_SEPARATOR in text:
        path, _, name = text.partition(STUB_SEPARATOR)
        return Path(path), name
    return Path(text), None


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named by ``paths``: files as given, directories searched for ``*.yml``/``*.yaml``."""
    files: list[Path] = []
    for raw in paths:
        path, _ = split_case_path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CaseFileError(f"{path}: no such file or directory")
    return files


def load_suite(
    paths: Iterable[str | Path],
    *,
    fixture_overrides: dict[str, dict[str, Any]] | None = None,
) -> Suite:
    """Read and check every test case in ``paths`` (files, directories, ``file::case``).

    Fixtures and metadata are shared across the files of one run, as in Rasa Pro;
    stubs apply to the cases of their own file. ``fixture_overrides`` (from
    ``--fixture name=...``) replaces slot values of the named fixtures, or defines
    them. Raises :class:`CaseFileError` naming ``file:line`` for the first problem.
    """
    paths = list(paths)
    wanted: dict[Path, set[str]] = {}
    for raw in paths:
        path, name = split_case_path(raw)
        if name is not None:
            wanted.setdefault(path, set()).add(name)
    yaml = YAML(typ="rt")
    documents: list[tuple[Path, Any]] = []
    for path in expand_paths(paths):
        try:
            documents.append((path, yaml.load(path.read_text(encoding="utf-8"))))
        except YAMLError as error:
            raise CaseFileError(f"{path}: not valid YAML: {error}") from error

    fixtures: dict[str, Fixture] = {}
    metadata: dict[str, dict[str, Any]] = {}
    for path, document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise CaseFileError(f"{path}:1: expected a mapping with 'test_cases:'")
        unknown = set(document) - set(_TOP_LEVEL_KEYS)
        if unknown:
            raise CaseFileError(
                f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}"
                f" (allowed: {', '.join(_TOP_LEVEL_KEYS)})"
            )
        for fixture in _read_fixtures(path, document.get("fixtures") or []):
            if fixture.name in fixtures:
                raise CaseFileError(
                    f"{path}: fixture {fixture.name!r} is defined twice"
                )
            fixtures[fixture.name] = fixture
        for name, values in _read_metadata(path, document.get(METADATA) or []):
            if name in metadata:
                raise CaseFileError(f"{path}: metadata {name!r} is defined twice")
            metadata[name] = values
    for name, slots in (fixture_overrides or {}).items():
        merged = dict(fixtures[name].slots) if name in fixtures else {}
        merged.update(slots)
        fixtures[name] = Fixture(name=name, slots=merged)

    cases: list[TestCase] = []
    seen: dict[str, str] = {}
    for path, document in documents:
        if document is None:
            continue
        raw_cases = document.get("test_cases") or []
        file_cases = list(_read_cases(path, raw_cases, fixtures, metadata))
        stubs = _read_stubs(
            path, document.get("stub_custom_actions"), [c.name for c in file_cases]
        )
        names = wanted.get(path)
        if names:
            missing = names - {case.name for case in file_cases}
            if missing:
                raise CaseFileError(
                    f"{path}: no test case named {', '.join(sorted(missing))}"
                )
            file_cases = [case for case in file_cases if case.name in names]
        for case in file_cases:
            if case.name in seen:
                raise CaseFileError(
                    f"{case.where}: test case {case.name!r} already defined at {seen[case.name]}"
                )
            seen[case.name] = case.where
            cases.append(dataclasses.replace(case, stubs=stubs_for(case.name, stubs)))
    return Suite(cases=tuple(cases))


def stubs_for(case: str, stubs: dict[str, Stub]) -> dict[str, Stub]:
    """The stubs of one case: the file's, overridden by ``<case>::<action>`` entries."""
    chosen = {key: stub for key, stub in stubs.items() if STUB_SEPARATOR not in key}
    prefix = f"{case}{STUB_SEPARATOR}"
    for key, stub in stubs.items():
        if key.startswith(prefix):
            chosen[stub.action] = stub
    return chosen


def _read_metadata(path: Path, raw: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rasa Pro's named metadata: a list of ``- name: {key: value, ...}``."""
    if not isinstance(raw, list):
        raise CaseFileError(f"{path}:{line_of(raw)}: 'metadata:' must be a list")
    for index, item in enumerate(raw):
        where = f"{path}:{item_line(raw, index, line_of(raw))}"
        if not isinstance(item, dict) or len(item) != 1:
            raise CaseFileError(
                f"{where}: a metadata entry is '- name:' followed by its keys and values"
            )
        ((name, body),) = item.items()
        if not isinstance(body, dict):
            raise CaseFileError(f"{where}: metadata {name!r}: expected a mapping")
        yield str(name), plain(body)


def _read_stubs(path: Path, raw: Any, case_names: list[str]) -> dict[str, Stub]:
    """``stub_custom_actions:``: ``action`` for the whole file, ``case::action`` for one."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CaseFileError(
            f"{path}:{line_of(raw)}: 'stub_custom_actions:' must map action names"
            " to their events and responses"
        )
    stubs: dict[str, Stub] = {}
    for key, body in raw.items():
        line = line_of(body, line_of(raw))
        lc = getattr(raw, "lc", None)
        if lc is not None:
            with contextlib.suppress(KeyError, TypeError):
                line = int(lc.key(key)[0]) + 1
        where = f"{path}:{line}"
        key = str(key)
        case, sep, action = key.rpartition(STUB_SEPARATOR)
        if sep and case not in case_names:
            raise CaseFileError(
                f"{where}: stub {key!r} names test case {case!r}, which is not in this file"
            )
        if not isinstance(body, dict) or set(body) - {"events", "responses"}:
            raise CaseFileError(
                f"{where}: stub {key!r} takes 'events:' and 'responses:' lists"
            )
        events = plain(body.get("events") or [])
        responses = plain(body.get("responses") or [])
        if not isinstance(events, list) or not all(
            isinstance(e, dict) and "event" in e for e in events
        ):
            raise CaseFileError(
                f"{where}: stub {key!r}: 'events:' is a list of tracker events"
                " such as '- event: slot'"
            )
        if not isinstance(responses, list) or not all(
            isinstance(r, dict) for r in responses
        ):
            raise CaseFileError(
                f"{where}: stub {key!r}: 'responses:' is a list such as '- text: ...'"
            )
        stubs[key] = Stub(
            action=action,
            events=tuple(events),
            responses=tuple(responses),
            where=where,
        )
    return stubs


def _read_fixtures(path: Path, raw: Any) -> Iterator[Fixture]:
    """Fixtures as Rasa Pro writes them (a list of one-slot mappings) or as one mapping."""
    if not isinstance(raw, list):
        raise CaseFileError(f"{path}:{line_of(raw)}: 'fixtures:' must be a list")
    for index, item in enumerate(raw):
        where = f"{path}:{item_line(raw, index, line_of(raw))}"
        if not isinstance(item, dict) or len(item) != 1:
            raise CaseFileError(
                f"{where}: a fixture is '- name:' followed by its slots"
            )
        ((name, body),) = item.items()
        slots: dict[str, Any] = {}
        if isinstance(body, dict):
            slots.update(plain(body))
        elif isinstance(body, list):
            for entry in body:
                if not isinstance(entry, dict):
                    raise CaseFileError(
                        f"{where}: fixture {name!r}: expected '- slot: value' items"
                    )
                slots.update(plain(entry))
        else:
            raise CaseFileError(f"{where}: fixture {name!r}: expected slot values")
        yield Fixture(name=str(name), slots=slots)


def _metadata_named(
    where: str, name: Any, metadata: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    if name is None or name == "":
        return {}
    if not isinstance(name, str):
        raise CaseFileError(
            f"{where}: 'metadata:' names one entry of the file's top-level 'metadata:'"
        )
    if name not in metadata:
        raise CaseFileError(f"{where}: unknown metadata {name!r}")
    return dict(metadata[name])


def _read_cases(
    path: Path,
    raw: Any,
    fixtures: dict[str, Fixture],
    metadata: dict[str, dict[str, Any]],
) -> Iterator[TestCase]:
    if not isinstance(raw, list):
        raise CaseFileError(f"{path}:{line_of(raw)}: 'test_cases:' must be a list")
    for index, item in enumerate(raw):
        where = f"{path}:{item_line(raw, index, line_of(raw))}"
        if not isinstance(item, dict) or "test_case" not in item:
            raise CaseFileError(
                f"{where}: each test case starts with '- test_case: <name>'"
            )
        unknown = set(item) - set(_CASE_KEYS)
        if unknown:
            raise CaseFileError(
                f"{where}: unknown key(s) in test case: {', '.join(sorted(unknown))}"
            )
        name = str(item["test_case"])
        names = item.get("fixtures") or []
        if isinstance(names, str):
            names = [names]
        missing = [n for n in names if n not in fixtures]
        if missing:
            raise CaseFileError(
                f"{where}: test case {name!r} uses unknown fixture(s): {missing}"
            )
        raw_steps = item.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            raise CaseFileError(
                f"{where}: test case {name!r} needs a non-empty 'steps:' list"
            )
        steps = [
            step
            for step_index, raw_step in enumerate(raw_steps)
            for step in _read_step(
                raw_step,
                f"{path}:{item_line(raw_steps, step_index, line_of(raw_steps))}",
                metadata,
            )
        ]
        if not any(step.is_user for step in steps):
            raise CaseFileError(f"{where}: test case {name!r} has no 'user:' step")
        if any(step.assertions is not None for step in steps):
            ignored = next((s for s in steps if s.kind in CLASSIC_STEPS), None)
            if ignored is not None:
                raise CaseFileError(
                    f"{ignored.where}: test case {name!r} uses 'assertions:', so Rasa Pro"
                    f" ignores its '{ignored.kind}:' steps; write it as an assertion"
                    " ('bot_uttered', 'slot_was_set', ...)"
                )
        yield TestCase(
            name=name,
            steps=tuple(steps),
            fixtures=tuple(fixtures[n] for n in names),
            where=where,
            metadata=_metadata_named(where, item.get(METADATA), metadata),
        )


def _read_step(
    raw: Any, where: str, metadata: dict[str, dict[str, Any]]
) -> Iterator[Step]:
    """One YAML step; a ``slot_was_set`` list becomes one step per slot."""
    if not isinstance(raw, dict):
        raise CaseFileError(f"{where}: a step is a mapping such as '- user: \"hi\"'")
    kinds = [key for key in raw if key in STEP_KINDS]
    if len(kinds) != 1:
        hint = ""
        if any(key in ASSERTION_KINDS + FLOW_ASSERTIONS for key in raw):
            hint = " (assertions go in a user step's 'assertions:' list)"
        raise CaseFileError(
            f"{where}: a step needs exactly one of {', '.join(STEP_KINDS)}; got {list(raw)}{hint}"
        )
    kind = kinds[0]
    extra = set(raw) - {kind, *_STEP_OPTIONS.get(kind, ())}
    if extra:
        raise CaseFileError(
            f"{where}: unknown key(s) beside {kind!r}: {', '.join(sorted(extra))}"
        )
    body = plain(raw[kind])

    if kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET):
        yield from _slot_steps(kind, body, where)
        return
    if kind == USER:
        if body is None:
            body = ""
        if not isinstance(body, str):
            raise CaseFileError(f"{where}: 'user:' takes a text (quote it)")
        repeat = raw.get("repeat", 1)
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            raise CaseFileError(f"{where}: 'repeat:' must be a positive whole number")
        ordered = raw.get(ASSERTION_ORDER_ENABLED, False)
        if not isinstance(ordered, bool):
            raise CaseFileError(
                f"{where}: '{ASSERTION_ORDER_ENABLED}:' is true or false"
            )
        assertions = None
        if ASSERTIONS in raw:
            assertions = tuple(_read_assertions(raw[ASSERTIONS], where))
        yield Step(
            kind=kind,
            arg=body,
            where=where,
            repeat=repeat,
            assertions=assertions,
            ordered=ordered,
            metadata=_metadata_named(where, raw.get(METADATA), metadata),
        )
        return
    if not isinstance(body, str) or (kind != BOT and not body):
        raise CaseFileError(f"{where}: '{kind}:' takes a text")
    if kind in (TRIAGE_LEVEL, TRIAGE_LEVEL_AT_LEAST) and body not in TRIAGE_LEVELS:
        raise CaseFileError(
            f"{where}: unknown triage level {body!r}; use one of {', '.join(TRIAGE_LEVELS)}"
        )
    yield Step(kind=kind, arg=body, where=where)


def _read_assertions(raw: Any, step_where: str) -> Iterator[Assertion]:
    """A user step's ``assertions:`` list, one :class:`Assertion` per slot or check."""
    path = step_where.rsplit(":", 1)[0]
    if not isinstance(raw, list) or not raw:
        raise CaseFileError(f"{step_where}: 'assertions:' must be a non-empty list")
    for index, item in enumerate(raw):
        where = f"{path}:{item_line(raw, index, line_of(raw))}"
        if not isinstance(item, dict) or len(item) != 1:
            raise CaseFileError(
                f"{where}: an assertion is one of {', '.join(ASSERTION_KINDS)}"
            )
        ((kind, body),) = item.items()
        if kind in FLOW_ASSERTIONS:
            raise CaseFileError(
                f"{where}: '{kind}' needs Rasa Pro's flows or generative responses,"
                " which this Rasa 3.6 assistant does not have"
            )
        if kind not in ASSERTION_KINDS:
            raise CaseFileError(
                f"{where}: unknown assertion {kind!r}; use one of {', '.join(ASSERTION_KINDS)}"
            )
        if kind == ACTION_EXECUTED:
            if not isinstance(body, str) or not body:
                raise CaseFileError(f"{where}: 'action_executed:' takes an action name")
            yield Assertion(kind=kind, where=where, name=body)
        elif kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET):
            yield from _slot_assertions(kind, body, where)
        else:
            yield _bot_assertion(kind, body, where)


def _slot_assertions(kind: str, body: Any, where: str) -> Iterator[Assertion]:
    path = where.rsplit(":", 1)[0]
    if not isinstance(body, list) or not body:
        raise CaseFileError(
            f"{where}: '{kind}:' takes a list of '- name: slot' (and 'value:') items"
        )
    for index, item in enumerate(body):
        item_where = f"{path}:{item_line(body, index, line_of(body))}"
        if not isinstance(item, dict) or "name" not in item:
            raise CaseFileError(f"{item_where}: '{kind}:' items are '- name: slot'")
        extra = set(item) - {"name", "value"}
        if extra:
            raise CaseFileError(
                f"{item_where}: unknown key(s) in '{kind}': {', '.join(sorted(extra))}"
            )
        yield Assertion(
            kind=kind,
            where=item_where,
            name=str(item["name"]),
            value=plain(item["value"]) if "value" in item else ANY,
        )


def _bot_assertion(kind: str, body: Any, where: str) -> Assertion:
    allowed = {"utter_name", "text_matches", "buttons"}
    if not isinstance(body, dict) or not body:
        raise CaseFileError(
            f"{where}: '{kind}:' takes utter_name, text_matches and/or buttons"
        )
    extra = set(body) - allowed
    if extra:
        raise CaseFileError(
            f"{where}: unknown key(s) in '{kind}': {', '.join(sorted(extra))}"
        )
    text_matches = body.get("text_matches")
    if text_matches is not None:
        try:
            re.compile(str(text_matches))
        except re.error as error:
            raise CaseFileError(
                f"{where}: 'text_matches' is not a regular expression: {error}"
            ) from error
    buttons = []
    for button in body.get("buttons") or []:
        if not isinstance(button, dict) or "title" not in button:
            raise CaseFileError(
                f"{where}: buttons are '- title: ...' (with an optional 'payload:')"
            )
        payload = button.get("payload")
        buttons.append(
            (str(button["title"]), None if payload is None else str(payload))
        )
    utter_name = body.get("utter_name")
    if utter_name is None and text_matches is None and not buttons:
        raise CaseFileError(
            f"{where}: '{kind}:' needs utter_name, text_matches or buttons"
        )
    return Assertion(
        kind=kind,
        where=where,
        utter_name=None if utter_name is None else str(utter_name),
        text_matches=None if text_matches is None else str(text_matches),
        buttons=tuple(buttons),
    )


def _slot_steps(kind: str, body: Any, where: str) -> Iterator[Step]:
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, str) and item:
            yield Step(kind=kind, arg=item, where=where)
        elif isinstance(item, dict) and item:
            for slot, value in item.items():
                yield Step(kind=kind, arg=slot, where=where, value=value)
        else:
            raise CaseFileError(
                f"{where}: '{kind}:' takes '- slot' or '- slot: value' items"
            )
