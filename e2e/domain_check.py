"""Test cases checked against the assistant's domain before any conversation runs.

A misspelt response name in ``utter_not: utter_remdy_*`` would otherwise pass for
ever: nothing ever matches it. Every response, slot, intent (``/intent`` payloads)
and action a case names, every glob, every fixture slot and every stubbed action is
looked up in the domain (a file, or a folder whose files Rasa merges), and each
unknown name is reported with its ``file:line`` and the nearest known names.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from e2e.cases import (
    ACTION_EXECUTED,
    BOT_DID_NOT_UTTER,
    BOT_UTTERED,
    SLOT_WAS_NOT_SET,
    SLOT_WAS_SET,
    UTTER,
    UTTER_NOT,
    UTTER_NOT_ANYWHERE,
    UTTER_NOT_IN_TURN,
    Suite,
    TestCase,
)

# Names Rasa 3.6 defines without the domain listing them.
DEFAULT_ACTIONS = frozenset(
    {
        "action_listen",
        "action_restart",
        "action_session_start",
        "action_default_fallback",
        "action_deactivate_loop",
        "action_revert_fallback_events",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
        "action_two_stage_fallback",
        "action_unlikely_intent",
        "action_back",
        "action_extract_slots",
    }
)
DEFAULT_INTENTS = frozenset(
    {"restart", "back", "out_of_scope", "session_start", "nlu_fallback"}
)
DEFAULT_SLOTS = frozenset({"requested_slot", "session_started_metadata"})
_INTENT_PAYLOAD = re.compile(r"^/([A-Za-z0-9_\-/.]+)")
_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class DomainNames:
    """The names a domain defines (plus Rasa's defaults)."""

    responses: frozenset[str]
    slots: frozenset[str]
    intents: frozenset[str]
    actions: frozenset[str]
    custom_actions: frozenset[str] = field(default_factory=frozenset)
    forms: frozenset[str] = field(default_factory=frozenset)
    # Custom actions named in slot mappings, with the slots they fill.
    mapping_actions: dict[str, set[str]] = field(
        default_factory=dict, hash=False, compare=False
    )


def _names(section: Any) -> set[str]:
    if isinstance(section, dict):
        return {str(k) for k in section}
    if isinstance(section, list):
        names: set[str] = set()
        for item in section:
            if isinstance(item, dict):
                names.update(str(k) for k in item)
            else:
                names.add(str(item))
        return names
    return set()


def load_domain(path: str | Path) -> DomainNames:
    """The names defined by a domain file or folder (its ``*.yml`` files merged)."""
    path = Path(path)
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))
        if path.is_dir()
        else [path]
    )
    yaml = YAML(typ="safe")
    responses: set[str] = set()
    slots: set[str] = set(DEFAULT_SLOTS)
    intents: set[str] = set(DEFAULT_INTENTS)
    custom: set[str] = set()
    forms: set[str] = set()
    mapping_actions: dict[str, set[str]] = {}
    for file in files:
        data = yaml.load(file.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            continue
        responses |= _names(data.get("responses"))
        slots |= _names(data.get("slots"))
        intents |= _names(data.get("intents"))
        custom |= _names(data.get("actions"))
        forms |= _names(data.get("forms"))
        for slot, spec in (data.get("slots") or {}).items():
            for mapping in (spec or {}).get("mappings") or []:
                if isinstance(mapping, dict) and mapping.get("action"):
                    mapping_actions.setdefault(str(mapping["action"]), set()).add(
                        str(slot)
                    )
    return DomainNames(
        responses=frozenset(responses),
        slots=frozenset(slots),
        intents=frozenset(intents),
        actions=frozenset(custom | forms | responses | DEFAULT_ACTIONS),
        custom_actions=frozenset(custom),
        forms=frozenset(forms),
        mapping_actions=mapping_actions,
    )


def default_domain_path(start: Path | None = None) -> Path | None:
    """``domain/`` or ``domain.yml`` in ``start`` (the working folder), if there is one."""
    base = start or Path.cwd()
    for candidate in (base / "domain", base / "domain.yml"):
        if candidate.exists():
            return candidate
    return None


def _unknown(where: str, what: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"{where}: unknown {what} {name!r}{hint}"


def _check_response(where: str, pattern: str, domain: DomainNames) -> str | None:
    if _GLOB_CHARS.search(pattern):
        if any(fnmatch.fnmatchcase(r, pattern) for r in domain.responses):
            return None
        # Compare the literal part before the first wildcard with the same length of
        # every response name: "utter_remdy_" is close to "utter_remedy_".
        prefix = _GLOB_CHARS.split(pattern, maxsplit=1)[0]
        heads: dict[str, list[str]] = {}
        for response in sorted(domain.responses):
            heads.setdefault(response[: len(prefix)], []).append(response)
        near = difflib.get_close_matches(prefix, list(heads), n=1, cutoff=0.6)
        close = heads[near[0]][:3] if near and prefix else []
        hint = f" (did you mean {near[0]}*? e.g. {', '.join(close)})" if close else ""
        return f"{where}: the glob {pattern!r} matches no response in the domain{hint}"
    if pattern not in domain.responses:
        return _unknown(where, "response", pattern, domain.responses)
    return None


def check_case(case: TestCase, domain: DomainNames) -> list[str]:
    """Every name in ``case`` that the domain does not define, as ``file:line`` errors."""
    errors: list[str | None] = []
    for fixture in case.fixtures:
        for slot in fixture.slots:
            if slot not in domain.slots:
                errors.append(
                    _unknown(
                        case.where,
                        f"slot in fixture {fixture.name!r}:",
                        slot,
                        domain.slots,
                    )
                )
    for action, stub in case.stubs.items():
        if action not in domain.custom_actions:
            errors.append(
                _unknown(stub.where, "custom action", action, domain.custom_actions)
            )
    for step in case.steps:
        if step.kind in (UTTER, UTTER_NOT, UTTER_NOT_ANYWHERE, UTTER_NOT_IN_TURN):
            errors.append(_check_response(step.where, step.arg, domain))
        elif step.kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET):
            if step.arg not in domain.slots:
                errors.append(_unknown(step.where, "slot", step.arg, domain.slots))
        elif step.is_user:
            match = _INTENT_PAYLOAD.match(step.arg)
            if match and match.group(1) not in domain.intents:
                errors.append(
                    _unknown(step.where, "intent", match.group(1), domain.intents)
                )
        for assertion in step.assertions or ():
            if assertion.kind == ACTION_EXECUTED and assertion.name:
                if assertion.name not in domain.actions:
                    errors.append(
                        _unknown(
                            assertion.where, "action", assertion.name, domain.actions
                        )
                    )
            elif assertion.kind in (SLOT_WAS_SET, SLOT_WAS_NOT_SET) and assertion.name:
                if assertion.name not in domain.slots:
                    errors.append(
                        _unknown(assertion.where, "slot", assertion.name, domain.slots)
                    )
            elif (
                assertion.kind in (BOT_UTTERED, BOT_DID_NOT_UTTER)
                and assertion.utter_name is not None
            ):
                errors.append(
                    _check_response(assertion.where, assertion.utter_name, domain)
                )
    return [e for e in errors if e]


def check_suite(suite: Suite, domain: DomainNames) -> list[str]:
    """Domain errors of every case of ``suite``, each reported once."""
    seen: dict[str, None] = {}
    for case in suite.cases:
        for error in check_case(case, domain):
            seen.setdefault(error, None)
    return list(seen)
