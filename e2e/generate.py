"""Generate the red-flag conversation suite from the triage table.

Usage::

    python -m e2e.generate --out reports/e2e/generated/red_flags_generated.yml

For every red flag of ``actions/triage.py`` and every context below, one conversation
in the e2e case format (e2e/README.md), with the flag's words from
``e2e/flag_phrases.yml``:

* ``first``: volunteered in the first message;
* ``mid_screening``: volunteered after the first screening answer;
* ``described_yes``: a yes with a description, as the answer to its own question;
* ``hedged``: said with a degree word ("a bit numb"), which still counts;
* ``after_advice``: volunteered after a clean screening ended in remedy advice;
* ``mid_faq``: volunteered after a question about causes was answered;
* ``beside_negated``: volunteered in the same message as another flag denied;
* ``unsure_twice``: unsure when its question is asked, and unsure again when it is
  asked once more, which counts as present (triage contract rule 3).

Each must end at exactly the flag's level, with no remedy advice after the flag.
Clean conversations (plain cramps and look-alikes such as "cold feet about the race")
must end at self care with remedy advice: any other ending is over-triage.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import yaml

from actions import triage

logger = logging.getLogger(__name__)

PHRASES_PATH = Path(__file__).with_name("flag_phrases.yml")
OPENING = "I have a cramp in my hamstring"
RELIEF = "what can I do to ease the cramp?"
FAQ = "what causes hamstring cramps?"
CONTEXTS = (
    "first",
    "mid_screening",
    "described_yes",
    "hedged",
    "after_advice",
    "mid_faq",
    "beside_negated",
    "unsure_twice",
)
Step = dict[str, Any]


def ask(item: triage.RedFlag) -> Step:
    """The step that checks the screening question for ``item``."""
    return {"utter": f"utter_ask_screening_form_{item.slot}"}


def clean_screening(opening: str) -> list[Step]:
    """A whole screening answered no, ending in remedy advice."""
    steps: list[Step] = [{"user": opening}, ask(triage.SCREENING_ITEMS[0])]
    for index, _item in enumerate(triage.SCREENING_ITEMS):
        last = index == len(triage.SCREENING_ITEMS) - 1
        steps.append({"user": "no, nothing else" if last else "no"})
        if not last:
            steps.append(ask(triage.SCREENING_ITEMS[index + 1]))
    steps += [
        {"utter": "utter_screening_clear"},
        {"utter": "utter_remedy_stretch"},
        {"triage_level": triage.SELF_CARE},
    ]
    return steps


def up_to_question(flag: triage.RedFlag) -> list[Step]:
    """A screening answered no up to the question about ``flag``, which is asked."""
    steps = [{"user": OPENING}, ask(triage.RED_FLAGS[0])]
    for _item in triage.RED_FLAGS[: triage.RED_FLAGS.index(flag)]:
        steps += [{"user": "no"}]
    if flag != triage.RED_FLAGS[0]:
        steps.append(ask(flag))
    return steps


def flag_reached(flag: triage.RedFlag, answer: str = triage.PRESENT) -> list[Step]:
    """The checks after the turn that reported ``flag``: its level, then no advice."""
    return [
        {"slot_was_set": [{flag.slot: answer}]},
        {"triage_level": flag.level},
        {"utter_not": "utter_remedy_*"},
        {"user": RELIEF},
        {"triage_level": flag.level},
    ]


def flag_case(
    flag: triage.RedFlag, context: str, phrases: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """One generated conversation: ``flag`` reported in ``context``."""
    words = phrases[flag.id]
    others = [f for f in triage.RED_FLAGS if f.id != flag.id]
    steps: list[Step]
    answer = triage.PRESENT
    if context == "first":
        steps = [{"user": words["volunteer"]}]
    elif context == "hedged":
        steps = [{"user": words["hedged"]}]
    elif context == "mid_screening":
        steps = [{"user": OPENING}, ask(triage.RED_FLAGS[0])]
        steps += [{"user": "no"}, {"user": words["volunteer"]}]
    elif context == "described_yes":
        steps = up_to_question(flag) + [{"user": words["described_yes"]}]
    elif context == "unsure_twice":
        first, again = words["unsure"]
        steps = up_to_question(flag) + [
            {"user": first},
            {"utter": "utter_confirm_unsure"},
            ask(flag),
            {"slot_was_not_set": ["triage_level"]},
            {"user": again},
        ]
        answer = triage.UNSURE
    elif context == "after_advice":
        steps = clean_screening(OPENING) + [{"user": words["volunteer"]}]
    elif context == "mid_faq":
        steps = [{"user": FAQ}, {"utter": "utter_causes"}, {"user": words["volunteer"]}]
    elif context == "beside_negated":
        other = others[(triage.RED_FLAGS.index(flag) + 3) % len(others)]
        denied = phrases[other.id]["denied"]
        steps = [{"user": f"{denied}, but {words['volunteer']}"}]
        steps.append({"slot_was_not_set": [{other.slot: triage.PRESENT}]})
    else:
        raise ValueError(f"unknown context {context!r}")
    return {
        "test_case": f"generated_{flag.id}_{context}",
        "steps": steps + flag_reached(flag, answer),
    }


def generate(phrases_path: Path = PHRASES_PATH) -> dict[str, Any]:
    """Every generated case, as an e2e case file's content."""
    data = yaml.safe_load(phrases_path.read_text(encoding="utf-8"))
    phrases: dict[str, dict[str, Any]] = data["flags"]
    missing = {f.id for f in triage.RED_FLAGS} - set(phrases)
    if missing:
        raise ValueError(f"{phrases_path}: no phrases for {sorted(missing)}")
    cases = [
        flag_case(flag, context, phrases)
        for flag in triage.RED_FLAGS
        for context in CONTEXTS
    ]
    cases += [
        {"test_case": f"generated_clean_{index}", "steps": clean_screening(opening)}
        for index, opening in enumerate(data["clean_openings"])
    ]
    return {"test_cases": cases}


DEFAULT_OUT = Path("reports/e2e/generated/red_flags_generated.yml")


def write(out: Path) -> int:
    """Write the generated case file to ``out``; returns the number of cases."""
    content = generate()
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Generated by `python -m e2e.generate` from actions/triage.py; do not edit.\n"
    )
    out.write_text(header + yaml.safe_dump(content, sort_keys=False), "utf-8")
    logger.info("wrote %d cases to %s", len(content["test_cases"]), out)
    return len(content["test_cases"])


def main() -> None:
    """Write the generated case file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="case file to write"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    write(args.out)


if __name__ == "__main__":
    main()
