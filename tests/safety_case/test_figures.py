"""Figures read from what earlier test runs left behind (safety/figures.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from safety.figures import (
    E2E_JUNIT,
    FIGURES,
    HELDOUT_COLUMNS,
    MODEL,
    NLU_REPORT,
    NOT_RUN,
    README_SOURCE,
    e2e_case_results,
    read_figures,
)

README_TABLE = """# An assistant

## Safety figures

| part | sentences | present recall | emergency flags (chest / cold leg) | unsure recall | false-present |
|---|---|---|---|---|---|
| dev (tuned on) | 3,488 | 99.1 % | 99.3 % / 99.2 % | 97.0 % | 3.8 % |
| held-out A | 845 | 95.7 % | 93.5 % / 100 % | 94.7 % | 9.0 % |
| held-out B (sealed) | 566 | 99.2 % | 100 % / 100 % | 97.8 % | 1.5 % |
| **issue 10 targets** | | ≥ 99 % | 100 % | ≥ 95 % | ≤ 2 % |

Text after the table.
"""

JUNIT = """<?xml version='1.0' encoding='utf-8'?>
<testsuites name="e2e" tests="3" failures="1">
<testsuite name="tests/e2e/clinic.yml" tests="2" failures="1" errors="0">
<testcase classname="tests/e2e/clinic.yml" name="case_ok"/>
<testcase classname="tests/e2e/clinic.yml" name="case_bad"><failure message="x"/></testcase>
</testsuite>
<testsuite name="reports/e2e/generated/red_flags_generated.yml" tests="1" failures="0" errors="0">
<testcase classname="reports/e2e/generated/red_flags_generated.yml" name="generated_one"/>
</testsuite>
</testsuites>
"""


def write(root: Path, relative: Path | str, text: str) -> Path:
    """Write ``text`` to ``root / relative``, creating folders."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def values(root: Path) -> dict[str, str]:
    """Figure name -> value, read from ``root``."""
    return {figure.name: figure.value for figure in read_figures(root)}


def test_every_figure_says_not_run_yet_in_an_empty_checkout(tmp_path: Path) -> None:
    found = values(tmp_path)
    assert set(found) == set(FIGURES)
    assert {found[name] for name in found if name != "model_up_to_date"} == {NOT_RUN}
    assert found["model_up_to_date"] == f"no trained model ({MODEL})"


def test_heldout_figures_come_from_the_readme_table_against_its_targets(
    tmp_path: Path,
) -> None:
    write(tmp_path, "README.md", README_TABLE)
    figures = {figure.name: figure for figure in read_figures(tmp_path)}
    present = figures["heldout_present_recall"]
    assert present.value == (
        "A 95.7 %, B 99.2 % (target ≥ 99 %: missed in 1 of 2 batches)"
    )
    assert present.source == README_SOURCE
    assert figures["heldout_emergency_recall"].value.endswith(
        "missed in 1 of 2 batches)"
    )
    assert figures["heldout_false_present"].value == (
        "A 9.0 %, B 1.5 % (target ≤ 2 %: missed in 1 of 2 batches)"
    )
    assert set(HELDOUT_COLUMNS) <= set(FIGURES)


def test_e2e_figures_and_case_results_come_from_the_junit_report(
    tmp_path: Path,
) -> None:
    write(tmp_path, E2E_JUNIT, JUNIT)
    found = values(tmp_path)
    assert found["e2e_conversations"] == "3 conversations, 1 failed"
    assert found["e2e_generated_suite"] == "1 generated conversations, 0 failed"
    assert e2e_case_results(tmp_path) == {
        "tests/e2e/clinic.yml::case_ok": "passed",
        "tests/e2e/clinic.yml::case_bad": "failed",
        "reports/e2e/generated/red_flags_generated.yml::generated_one": "passed",
    }


def test_a_result_older_than_the_model_says_so(tmp_path: Path) -> None:
    report = {"accuracy": 0.96, "weighted avg": {"f1-score": 0.95, "support": 179}}
    nlu = write(tmp_path, NLU_REPORT, json.dumps(report))
    model = write(tmp_path, MODEL, "model")
    os.utime(nlu, (1_000_000, 1_000_000))
    figure = next(f for f in read_figures(tmp_path) if f.name == "nlu_intent_accuracy")
    assert figure.value.startswith("96.0 % intent accuracy, weighted F1 0.950")
    assert figure.source.endswith(f"older than {MODEL}")
    os.utime(nlu, (model.stat().st_mtime + 10,) * 2)
    figure = next(f for f in read_figures(tmp_path) if f.name == "nlu_intent_accuracy")
    assert "older" not in figure.source


def test_a_model_older_than_its_training_data_is_out_of_date(tmp_path: Path) -> None:
    model = write(tmp_path, MODEL, "model")
    data = write(tmp_path, "data/nlu.yml", "nlu: []\n")
    os.utime(model, (1_000_000, 1_000_000))
    assert values(tmp_path)["model_up_to_date"].startswith("out of date: 1 inputs")
    os.utime(data, (500_000, 500_000))
    assert (
        values(tmp_path)["model_up_to_date"] == "up to date with its 1 training inputs"
    )


@pytest.mark.parametrize("text", ["{not json", "{}"])
def test_an_unreadable_result_is_reported_not_raised(tmp_path: Path, text: str) -> None:
    write(tmp_path, NLU_REPORT, text)
    assert values(tmp_path)["nlu_intent_accuracy"].startswith("unreadable (")


def test_measured_heldout_figures_win_over_the_readme(tmp_path: Path) -> None:
    """The figures make test-nlu-model recorded are read before the README's table."""
    (tmp_path / "README.md").write_text(README_TABLE)
    recorded = {
        "A": {"present_recall": 0.95, "false_present": 0.03},
        "B": {"present_recall": 0.995, "false_present": 0.01},
        "targets": {"present_recall": 0.99, "false_present": 0.02},
    }
    path = tmp_path / "reports" / "safety" / "heldout-figures.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(recorded))
    figures = {f.name: f for f in read_figures(tmp_path)}
    present = figures["heldout_present_recall"]
    assert present.value.startswith("A 95.0 %, B 99.5 %")
    assert "missed in 1 of 2" in present.value
    assert "heldout-figures.json" in present.source
    assert "missed in 1 of 2" in figures["heldout_false_present"].value
