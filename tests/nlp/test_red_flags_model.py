"""The phrasing table through the trained Rasa model (``Agent.parse_message``).

Runs after ``rasa train``: the model comes from ``RASA_MODEL`` or is the newest
``models/*.tar.gz``. Without a model the test fails, it does not skip.
"""

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
import srsly
from rasa.core.agent import Agent

from nlp.rasa_component import DEFAULT_KEEP_INTENTS

REPO_ROOT = Path(__file__).resolve().parents[2]
PHRASINGS: list[dict[str, Any]] = srsly.read_yaml(
    Path(__file__).with_name("red_flag_phrasings.yml")
)["phrasings"]
OVERRIDE_INTENT = "report_symptom"
FALLBACK_INTENT = "nlu_fallback"


def model_path() -> Path:
    """``RASA_MODEL`` if set, else the newest trained model under ``models/``."""
    if os.environ.get("RASA_MODEL"):
        return Path(os.environ["RASA_MODEL"])
    models = sorted(
        (REPO_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime
    )
    if not models:
        pytest.fail("no trained model: run `rasa train` or set RASA_MODEL")
    return models[-1]


@pytest.fixture(scope="module")
def agent() -> Agent:
    """The trained assistant."""
    path = model_path()
    if not path.is_file():
        pytest.fail(f"model {path} does not exist")
    return Agent.load(str(path))


def test_phrasing_table_through_model(agent: Agent) -> None:
    """Recall of present flags is 100 %, false-present over absent mentions <= 2 %."""
    present_total = present_found = absent_total = false_present = 0
    unsure_total = unsure_found = fallbacks = 0
    problems: list[Any] = []

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(row["text"]) for row in PHRASINGS]

    for row, parsed in zip(PHRASINGS, asyncio.run(parse_all())):
        got = {
            e["value"]: e.get("role")
            for e in parsed["entities"]
            if e["entity"] == "red_flag"
        }
        for flag in row["present"]:
            present_total += 1
            present_found += got.get(flag) == "present"
            if got.get(flag) != "present":
                problems.append((row["text"], flag, got.get(flag)))
        for flag in row["absent"]:
            absent_total += 1
            false_present += got.get(flag) == "present"
            if got.get(flag) == "present":
                problems.append((row["text"], flag, "present (expected absent)"))
        for flag in row["unsure"]:
            unsure_total += 1
            unsure_found += got.get(flag) == "unsure"
        if row["present"] or row["unsure"]:
            # Safety beats helpfulness: a reported flag is a symptom report, unless the
            # classifier heard an answer or a command (which FallbackClassifier may
            # still turn into nlu_fallback when it is unsure).
            intent = parsed["intent"]["name"]
            if intent == FALLBACK_INTENT:
                fallbacks += 1
            elif intent != OVERRIDE_INTENT and intent not in DEFAULT_KEEP_INTENTS:
                problems.append((row["text"], "intent", intent))
    recall = present_found / present_total
    false_rate = false_present / absent_total
    print(
        f"\nmodel red-flag table: present recall {recall:.1%} "
        f"({present_found}/{present_total}); false-present {false_rate:.1%} "
        f"({false_present}/{absent_total}); unsure recall "
        f"{unsure_found / unsure_total:.1%} ({unsure_found}/{unsure_total}); "
        f"flagged messages left to nlu_fallback: {fallbacks}"
    )
    for problem in problems:
        print("  problem:", problem)
    assert recall == 1.0, problems
    assert false_rate <= 0.02, problems
    assert not [p for p in problems if p[1] == "intent"], problems
