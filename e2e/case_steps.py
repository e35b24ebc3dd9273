"""Reading one step of a test case, and its Rasa Pro assertions, from the YAML.

:mod:`e2e.case_files` calls :func:`read_step` for each item of a case's ``steps:``;
the list helpers (:func:`list_items`, :func:`one_entry`) read the lists of both
modules, so every error names the ``file:line`` of the item at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from e2e.cases import (
    ACTION_EXECUTED,
    ANY,
    ASSERTION_KINDS,
    ASSERTION_ORDER_ENABLED,
    ASSERTIONS,
    BOT,
    CONVERSATION_DELETED,
    FLOW_ASSERTIONS,
    METADATA,
    SLOT_WAS_NOT_SET,
    SLOT_WAS_SET,
    STEP_KINDS,
    TRIAGE_LEVEL,
    TRIAGE_LEVEL_AT_LEAST,
    TRIAGE_LEVELS,
    USER,
    Assertion,
    CaseFileError,
    Step,
)
from e2e.yaml_nodes import item_line, line_of, plain

# Keys allowed beside the step key (``repeat`` builds long user messages).
_STEP_OPTIONS: dict[str, tuple[str, ...]] = {
    USER: ("repeat", METADATA, ASSERTIONS, ASSERTION_ORDER_ENABLED)
}


def list_items(path: str | Path, raw: Any, key: str) -> Iterator[tuple[str, Any]]:
    """Each item of the YAML list written under ``key:``, with its ``file:line``."""
    if not isinstance(raw, list):
        raise CaseFileError(f"{path}:{line_of(raw)}: '{key}:' must be a list")
    for index, item in enumerate(raw):
        yield f"{path}:{item_line(raw, index, line_of(raw))}", item


def one_entry(where: str, item: Any, shape: str) -> tuple[Any, Any]:
    """The key and the value of a one-key mapping (``- name: ...``); ``shape`` if not."""
    if not isinstance(item, dict) or len(item) != 1:
        raise CaseFileError(f"{where}: {shape}")
    ((key, value),) = item.items()
    return key, value


def metadata_named(
    where: str, name: Any, metadata: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The file's named metadata entry ``name`` (none when ``name`` is empty)."""
    if name is None or name == "":
        return {}
    if not isinstance(name, str):
        raise CaseFileError(
            f"{where}: 'metadata:' names one entry of the file's top-level 'metadata:'"
        )
    if name not in metadata:
        raise CaseFileError(f"{where}: unknown metadata {name!r}")
    return dict(metadata[name])


def read_step(
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
            metadata=metadata_named(where, raw.get(METADATA), metadata),
        )
        return
    if kind == CONVERSATION_DELETED:
        if body is not True:
            raise CaseFileError(
                f"{where}: 'conversation_deleted:' takes true (the only thing to check)"
            )
        yield Step(kind=kind, arg="true", where=where)
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
    for where, item in list_items(path, raw, ASSERTIONS):
        kind, body = one_entry(
            where, item, f"an assertion is one of {', '.join(ASSERTION_KINDS)}"
        )
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
    for item_where, item in list_items(path, body, kind):
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
