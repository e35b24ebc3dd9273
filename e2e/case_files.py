"""Reading test case files into a :class:`~e2e.cases.Suite` (format: :mod:`e2e.cases`).

Loading checks the whole file up front (unknown step keys, unknown fixtures, bad
triage levels, duplicate names) and reports ``file:line`` so a tester sees the typo
before any conversation runs; :mod:`e2e.case_steps` reads each step and its
assertions, :mod:`e2e.domain_check` then checks names against the domain.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from e2e.case_steps import list_items, metadata_named, one_entry, read_step
from e2e.cases import (
    CLASSIC_STEPS,
    METADATA,
    STUB_SEPARATOR,
    CaseFileError,
    Fixture,
    Stub,
    Suite,
    TestCase,
)
from e2e.yaml_nodes import line_of, plain

_TOP_LEVEL_KEYS = ("test_cases", "fixtures", METADATA, "stub_custom_actions")
_CASE_KEYS = ("test_case", "steps", "fixtures", METADATA)


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
    for where, item in list_items(path, raw, METADATA):
        name, body = one_entry(
            where, item, "a metadata entry is '- name:' followed by its keys and values"
        )
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
    for where, item in list_items(path, raw, "fixtures"):
        name, body = one_entry(
            where, item, "a fixture is '- name:' followed by its slots"
        )
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
    path: Path,
    raw: Any,
    fixtures: dict[str, Fixture],
    metadata: dict[str, dict[str, Any]],
) -> Iterator[TestCase]:
    for where, item in list_items(path, raw, "test_cases"):
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
            for step_where, raw_step in list_items(path, raw_steps, "steps")
            for step in read_step(raw_step, step_where, metadata)
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
            metadata=metadata_named(where, item.get(METADATA), metadata),
        )
