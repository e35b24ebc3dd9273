"""Safety figures on the frozen held-out phrasing part, through the trained model.

Every held-out sentence goes through ``Agent.parse_message`` (the whole NLU pipeline:
markup stripper, DIET, message guard, red-flag extractor, fallback) and, for a reply
to a screening question, through the screening's reply interpretation. The targets
are issue 10's: present recall >= 99 % with every emergency flag at 100 %,
false-present <= 2 % on flag-free sentences, unsure recall >= 95 %.

Runs after ``rasa train``: the model comes from ``RASA_MODEL`` or is the newest
``models/*.tar.gz``. Without a model the test fails, it does not skip.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from tests.safety.corpus import (
    EMERGENCY_FLAGS,
    HELDOUT_DIR,
    load_batch,
    score,
    statuses_from_parse,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
BATCHES = {"A": ("H1.yml", "H2.yml", "H3.yml"), "B": ("H4.yml", "H5.yml")}

MIN_PRESENT_RECALL = 0.99
MIN_EMERGENCY_RECALL = 1.0
MAX_FALSE_PRESENT = 0.02
MIN_UNSURE_RECALL = 0.95


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
def parse() -> Any:
    """A function text -> Rasa's parse, with the trained model loaded once."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    path = model_path()
    if not path.is_file():
        pytest.fail(f"model {path} does not exist")
    agent = Agent.load(str(path))
    cache: dict[str, dict[str, Any]] = {}

    def run(text: str) -> dict[str, Any]:
        if text not in cache:
            cache[text] = asyncio.run(agent.parse_message(text))
        return cache[text]

    return run


@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_heldout_figures(batch: str, parse: Any) -> None:
    """The issue's targets on each frozen held-out batch (figures printed)."""
    sentences = [s for name in BATCHES[batch] for s in load_batch(HELDOUT_DIR / name)]
    scores = score(sentences, lambda s: statuses_from_parse(s, parse(s.text)))
    print(f"\n{scores.summary(f'held-out batch {batch}')}")
    failures = []
    if scores.present_recall < MIN_PRESENT_RECALL:
        failures.append(f"present recall {scores.present_recall:.1%}")
    for flag in EMERGENCY_FLAGS:
        if scores.flag_recall(flag) < MIN_EMERGENCY_RECALL:
            failures.append(f"{flag} recall {scores.flag_recall(flag):.1%}")
    if scores.false_present > MAX_FALSE_PRESENT:
        failures.append(f"false-present {scores.false_present:.1%}")
    if scores.unsure_recall < MIN_UNSURE_RECALL:
        failures.append(f"unsure recall {scores.unsure_recall:.1%}")
    # Misses are not printed: the held-out part is never used for tuning.
    assert not failures, f"batch {batch} below target: {', '.join(failures)}"
