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

Loading checks the whole file up front (unknown step keys, unknown fixtures, bad
triage levels, duplicate names) and reports ``file:line`` so a tester sees the typo
before any conversation runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
    TRIAGE_LEVEL,
    TRIAGE_LEVEL_AT_LEAST,
)
# Keys allowed beside the step key (``repeat`` builds long user messages).
_STEP_OPTIONS: dict[str, tuple[str, ...]] = {USER: ("repeat",)}


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

    __test__ = False  # not a pytest test class

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


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named by ``paths``: files as given, directories searched for ``*.yml``/``*.yaml``."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
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
    """Read and check every test case in ``paths`` (files or directories).

    Fixtures are shared across the files of one run, as in Rasa Pro.
    ``fixture_overrides`` (from ``--fixture name=...``) replaces slot values of the
    named fixtures, or defines them. Raises :class:`CaseFileError` naming
    ``file:line`` for the first problem found.
    """
    yaml = YAML(typ="rt")
    documents: list[tuple[Path, Any]] = []
    for path in expand_paths(paths):
        try:
            documents.append((path, yaml.load(path.read_text(encoding="utf-8"))))
        except YAMLError as error:
            raise CaseFileError(f"{path}: not valid YAML: {error}") from error

    fixtures: dict[str, Fixture] = {}
    for path, document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise CaseFileError(f"{path}:1: expected a mapping with 'test_cases:'")
        for fixture in _read_fixtures(path, document.get("fixtures") or []):
            if fixture.name in fixtures:
                raise CaseFileError(
                    f"{path}: fixture {fixture.name!r} is defined twice"
                )
            fixtures[fixture.name] = fixture
    for name, slots in (fixture_overrides or {}).items():
        merged = dict(fixtures[name].slots) if name in fixtures else {}
        merged.update(slots)
        fixtures[name] = Fixture(name=name, slots=merged)

    cases: list[TestCase] = []
    seen: dict[str, str] = {}
    for path, document in documents:
        if document is None:
            continue
        unknown = set(document) - {
            "test_cases",
            "fixtures",
            "metadata",
            "stub_custom_actions",
        }
        if unknown:
            raise CaseFileError(
                f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}"
            )
        for case in _read_cases(path, document.get("test_cases") or [], fixtures):
            if case.name in seen:
                raise CaseFileError(
                    f"{case.where}: test case {case.name!r} already defined at {seen[case.name]}"
                )
            seen[case.name] = case.where
            cases.append(case)
    return Suite(cases=tuple(cases))


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


def _read_cases(
    path: Path, raw: Any, fixtures: dict[str, Fixture]
) -> Iterator[TestCase]:
    if not isinstance(raw, list):
        raise CaseFileError(f"{path}:{line_of(raw)}: 'test_cases:' must be a list")
    for index, item in enumerate(raw):
        where = f"{path}:{item_line(raw, index, line_of(raw))}"
        if not isinstance(item, dict) or "test_case" not in item:
            raise CaseFileError(
                f"{where}: each test case starts with '- test_case: <name>'"
            )
        unknown = set(item) - {"test_case", "steps", "fixtures", "metadata"}
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
            )
        ]
        if not any(step.is_user for step in steps):
            raise CaseFileError(f"{where}: test case {name!r} has no 'user:' step")
        yield TestCase(
            name=name,
            steps=tuple(steps),
            fixtures=tuple(fixtures[n] for n in names),
            where=where,
        )


def _read_step(raw: Any, where: str) -> Iterator[Step]:
    """One YAML step; a ``slot_was_set`` list becomes one step per slot."""
    if not isinstance(raw, dict):
        raise CaseFileError(f"{where}: a step is a mapping such as '- user: \"hi\"'")
    kinds = [key for key in raw if key in STEP_KINDS]
    if len(kinds) != 1:
        raise CaseFileError(
            f"{where}: a step needs exactly one of {', '.join(STEP_KINDS)}; got {list(raw)}"
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
        yield Step(kind=kind, arg=body, where=where, repeat=repeat)
        return
    if not isinstance(body, str) or (kind != BOT and not body):
        raise CaseFileError(f"{where}: '{kind}:' takes a text")
    if kind in (TRIAGE_LEVEL, TRIAGE_LEVEL_AT_LEAST) and body not in TRIAGE_LEVELS:
        raise CaseFileError(
            f"{where}: unknown triage level {body!r}; use one of {', '.join(TRIAGE_LEVELS)}"
        )
    yield Step(kind=kind, arg=body, where=where)


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
