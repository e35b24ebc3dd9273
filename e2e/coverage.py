"""What a suite run exercised: responses, intents, actions, and red flags in context.

Read from the conversations the run really had (the turns of every case), not from
the case files, so a step that passes without checking something still counts what
the bot did. Four tables: the domain's responses uttered, intents NLU predicted,
custom actions and forms run, and each red flag of the triage table raised in each
context a person can raise it in:

* ``form answer``: a yes to the flag's own screening question;
* ``volunteered``: said without being asked about it (any other moment);
* ``unsure twice``: "not sure" to its question twice (the re-asked question);
* ``negated``: denied in a message ("no bruising"), recognised as absent;
* ``after advice``: raised after remedy advice was given.

The custom actions the runner's stub server served count too, with the intent each
answered and the responses it said: a turn the tracker store no longer holds when
the runner reads it (a conversation deleted on request) is counted from them.

``--coverage DIR`` writes ``coverage.json`` and ``coverage.md``;
``--coverage-threshold N`` fails the run when a table covers less than N percent.
``--coverage-exempt FILE`` names what no conversation of the suite can exercise (a
response said only on a deployment without a tracker store database, say), each with
the reason: those names are left out of the tables and listed apart, so the threshold
can be 100 and still fail on any new gap.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from actions import triage
from e2e.domain_check import DEFAULT_INTENTS, DomainNames
from e2e.runner import SuiteResult
from e2e.transcript import Turn, bot_message

CONTEXTS: tuple[str, ...] = (
    "form answer",
    "volunteered",
    "unsure twice",
    "negated",
    "after advice",
)
ASK_PREFIX = "utter_ask_screening_form_"
REMEDY_PREFIX = "utter_remedy_"


@dataclass
class Coverage:
    """Names exercised by a run against the names the domain defines."""

    responses: set[str] = field(default_factory=set)
    intents: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    red_flags: set[tuple[str, str]] = field(default_factory=set)
    all_responses: set[str] = field(default_factory=set)
    all_intents: set[str] = field(default_factory=set)
    all_actions: set[str] = field(default_factory=set)
    flags: tuple[str, ...] = ()
    # Names left out of the tables, with the reason (``--coverage-exempt``); a red
    # flag cell is named as the report shows it: ``flag / context``.
    exempt: dict[str, str] = field(default_factory=dict)

    def tables(self) -> dict[str, tuple[int, int, list[str]]]:
        """``{table: (covered, total, names not covered)}``, exempt names left out."""
        cells = {
            (flag, context)
            for flag in self.flags
            for context in CONTEXTS
            if f"{flag} / {context}" not in self.exempt
        }
        out: dict[str, tuple[int, int, list[str]]] = {}
        for name, seen, everything in (
            ("responses", self.responses, self.all_responses),
            ("intents", self.intents, self.all_intents),
            ("actions", self.actions, self.all_actions),
        ):
            universe = everything - self.exempt.keys()
            out[name] = (len(seen & universe), len(universe), sorted(universe - seen))
        out["red flags x contexts"] = (
            len(self.red_flags & cells),
            len(cells),
            [f"{flag} / {context}" for flag, context in sorted(cells - self.red_flags)],
        )
        return out

    def unknown_exemptions(self) -> list[str]:
        """Exempt names that are in no table (a typo, or a name since removed)."""
        known = self.all_responses | self.all_intents | self.all_actions
        known |= {f"{flag} / {context}" for flag in self.flags for context in CONTEXTS}
        return sorted(self.exempt.keys() - known)

    def exempt_but_covered(self) -> list[str]:
        """Exempt names this run exercised after all (their exemption can go)."""
        seen = self.responses | self.intents | self.actions
        seen |= {f"{flag} / {context}" for flag, context in self.red_flags}
        return sorted(self.exempt.keys() & seen)

    def percentages(self) -> dict[str, float]:
        """Covered share of each table, in percent (100 for an empty table)."""
        return {
            name: 100.0 * covered / total if total else 100.0
            for name, (covered, total, _) in self.tables().items()
        }

    def below(self, threshold: float) -> list[str]:
        """Tables covered less than ``threshold`` percent."""
        return [n for n, pct in self.percentages().items() if pct < threshold]

    def summary(self) -> str:
        """The console table: one line per table, then the red-flag grid."""
        lines = ["coverage:"]
        for name, (covered, total, _) in self.tables().items():
            pct = 100.0 * covered / total if total else 100.0
            lines.append(f"  {name:<22} {covered:>4}/{total:<4} {pct:5.1f}%")
        width = max((len(f) for f in self.flags), default=4)
        lines.append("  " + " " * width + " | " + " | ".join(CONTEXTS))
        for flag in self.flags:
            marks = [
                ("yes" if (flag, c) in self.red_flags else "-").center(len(c))
                for c in CONTEXTS
            ]
            lines.append(f"  {flag:<{width}} | " + " | ".join(marks))
        if self.exempt:
            lines.append(f"  not counted (exempt): {', '.join(sorted(self.exempt))}")
        for name in self.exempt_but_covered():
            lines.append(
                f"  exempt but covered in this run (drop the exemption): {name}"
            )
        return "\n".join(lines)

    def markdown(self) -> str:
        """The same tables as Markdown, with every name not covered."""
        out = ["# Conversation test coverage", "", "| table | covered | total | % |"]
        out.append("|---|---:|---:|---:|")
        for name, (covered, total, _) in self.tables().items():
            pct = 100.0 * covered / total if total else 100.0
            out.append(f"| {name} | {covered} | {total} | {pct:.1f} |")
        out += ["", "| red flag | " + " | ".join(CONTEXTS) + " |"]
        out.append("|---|" + "---|" * len(CONTEXTS))
        for flag in self.flags:
            marks = ["yes" if (flag, c) in self.red_flags else "-" for c in CONTEXTS]
            out.append(f"| {flag} | " + " | ".join(marks) + " |")
        for name, (_, _, missing) in self.tables().items():
            if missing:
                out += ["", f"## {name} not covered", ""]
                out += [f"- {item}" for item in missing]
        if self.exempt:
            out += ["", "## not counted (exempt)", ""]
            out += [f"- {name}: {why}" for name, why in sorted(self.exempt.items())]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: each table's counts and the names not covered."""
        data: dict[str, Any] = {
            name: {"covered": covered, "total": total, "not_covered": missing}
            for name, (covered, total, missing) in self.tables().items()
        }
        data["exempt"] = dict(sorted(self.exempt.items()))
        return data


def _entities(turn: Turn) -> list[tuple[str, str]]:
    """``(flag, role)`` of the red-flag entities NLU found in the user message."""
    for event in turn.events:
        if event.get("event") == "user":
            return [
                (str(e.get("value")), str(e.get("role") or ""))
                for e in (event.get("parse_data") or {}).get("entities") or []
                if e.get("entity") == "red_flag"
            ]
    return []


def _flag_contexts(turns: list[Turn], flags: Iterable[str]) -> set[tuple[str, str]]:
    """The (flag, context) cells one conversation exercised."""
    flags = tuple(flags)
    found: set[tuple[str, str]] = set()
    asked: str | None = None  # the flag whose question the bot asked last
    advice = False
    unsure: dict[str, int] = {}
    for turn in turns:
        if turn.user is not None:
            present = {
                flag
                for name, value in turn.slot_events
                for flag in flags
                if name == f"{triage.SCREEN_SLOT_PREFIX}{flag}"
                and value == triage.PRESENT
            }
            for name, value in turn.slot_events:
                if value == triage.UNSURE and name.startswith(
                    triage.SCREEN_SLOT_PREFIX
                ):
                    flag = name[len(triage.SCREEN_SLOT_PREFIX) :]
                    unsure[flag] = unsure.get(flag, 0) + 1
                    if unsure[flag] >= 2:
                        found.add((flag, "unsure twice"))
            for flag in present:
                found.add((flag, "form answer" if flag == asked else "volunteered"))
                if advice:
                    found.add((flag, "after advice"))
            for flag, role in _entities(turn):
                if role == triage.ABSENT and flag in flags:
                    found.add((flag, "negated"))
        messages = [
            bot_message(e)
            for e in turn.preamble + turn.events
            if e.get("event") == "bot"
        ]
        for message in messages:
            name = message.response or ""
            if name.startswith(REMEDY_PREFIX):
                advice = True
        asks = [
            m.response for m in messages if (m.response or "").startswith(ASK_PREFIX)
        ]
        if asks:
            slot = (asks[-1] or "")[len(ASK_PREFIX) :]
            asked = slot[len(triage.SCREEN_SLOT_PREFIX) :]
        elif turn.user is not None:
            asked = None
    return found


def load_exemptions(path: Path) -> dict[str, str]:
    """The ``name: reason`` mapping of a ``--coverage-exempt`` file.

    Raises:
        ValueError: the file cannot be read, is not such a mapping, or a reason is
            empty.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: {error}") from error
    if not isinstance(data, dict) or not all(
        isinstance(why, str) and why.strip() for why in data.values()
    ):
        raise ValueError(f"{path}: expected 'name: why it cannot be covered' lines")
    return {str(name): " ".join(why.split()) for name, why in data.items()}


def measure(
    suite: SuiteResult,
    domain: DomainNames,
    *,
    exempt: dict[str, str] | None = None,
) -> Coverage:
    """What the conversations of ``suite`` exercised, against ``domain``."""
    flags = tuple(flag.id for flag in triage.RED_FLAGS)
    coverage = Coverage(
        all_responses=set(domain.responses),
        all_intents=set(domain.intents) - DEFAULT_INTENTS,
        all_actions=set(domain.custom_actions | domain.forms),
        flags=flags,
        exempt=dict(exempt or {}),
    )
    for result in suite.results:
        for turn in result.turns:
            for message in turn.bot_messages + [
                bot_message(e) for e in turn.preamble if e.get("event") == "bot"
            ]:
                if message.response:
                    coverage.responses.add(message.response)
            if turn.intent:
                coverage.intents.add(turn.intent[0])
            for event in turn.preamble + turn.events:
                if event.get("event") == "action" and event.get("name"):
                    coverage.actions.add(str(event["name"]))
        # What the action server was asked and answered (behind the stub server):
        # also what a turn deleted before the runner read it exercised.
        for call in result.action_calls:
            coverage.actions.add(call.action)
            coverage.responses.update(call.responses)
            if call.intent:
                coverage.intents.add(call.intent)
        coverage.red_flags |= _flag_contexts(result.turns, flags)
        # Actions that run inside others leave no action event: a form's validation
        # counts when the form ran, a slot-mapping action when its slots were set.
        slots_set = {name for turn in result.turns for name, _ in turn.slot_events}
        for action, slots in domain.mapping_actions.items():
            if slots & slots_set:
                coverage.actions.add(action)
    for form in domain.forms & coverage.actions:
        coverage.actions.add(f"validate_{form}")
    return coverage


def write_coverage(coverage: Coverage, folder: Path) -> None:
    """``coverage.json`` and ``coverage.md`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "coverage.json").write_text(
        json.dumps(coverage.to_dict(), indent=1), encoding="utf-8"
    )
    (folder / "coverage.md").write_text(coverage.markdown(), encoding="utf-8")
