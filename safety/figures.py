"""The latest figures that earlier test runs left behind, read for the safety case.

Nothing here runs a test. Each figure comes from a file a ``make`` target writes:
``results/nlu/intent_report.json`` (``make test-nlu``), ``results/core/`` (``make
test-core``), ``reports/e2e/junit.xml`` (``make test-e2e``),
``reports/safety/heldout-figures.json`` (``make test-nlu-model``: the held-out red-flag
figures per batch); a missing file reads "not run yet", except the held-out figures,
which then come from the README's "Safety figures" table, labelled so. A result older
than the trained model says so.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import yaml

NOT_RUN = "not run yet"
MODEL = Path("models/hamstring.tar.gz")
NLU_REPORT = Path("results/nlu/intent_report.json")
CORE_REPORT = Path("results/core/story_report.json")
CORE_FAILED = Path("results/core/failed_test_stories.yml")
E2E_JUNIT = Path("reports/e2e/junit.xml")
GENERATED_SUITE = "red_flags_generated.yml"
README = Path("README.md")
README_SOURCE = (
    "README.md, 'Safety figures' table (make test-nlu-model prints its figures "
    "and writes no file)"
)
# What `make train` rebuilds from (Makefile: TRAINING_FILES and SPACY_SOURCES).
TRAINING_INPUTS = (
    "domain/*.yml",
    "config.yml",
    "data/**/*.yml",
    "nlp/*.py",
    "nlp/*.yml",
    "tests/safety/phrasings/dev/*.yml",
)
# Held-out figure name -> the README column it is read from.
HELDOUT_COLUMNS = {
    "heldout_present_recall": "present recall",
    "heldout_emergency_recall": "emergency flags (chest / cold leg)",
    "heldout_unsure_recall": "unsure recall",
    "heldout_false_present": "false-present",
}


@dataclass(frozen=True)
class Figure:
    """One figure: what it is, its latest value and where that value was read."""

    name: str
    title: str
    value: str
    source: str


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def _when(path: Path) -> str:
    stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime)
    return stamp.strftime("%Y-%m-%d %H:%M")


def _source(repo_root: Path, relative: Path) -> str:
    """``relative`` with its date, and a warning when it is older than the model."""
    path, model = repo_root / relative, repo_root / MODEL
    text = f"{relative} ({_when(path)})"
    if model.is_file() and path.stat().st_mtime < model.stat().st_mtime:
        text += f", older than {MODEL}"
    return text


def nlu_intent_accuracy(repo_root: Path) -> tuple[str, str]:
    """Intent accuracy on the held-out ``tests/test_nlu.yml``."""
    if not (repo_root / NLU_REPORT).is_file():
        return NOT_RUN, f"no {NLU_REPORT}"
    report = json.loads((repo_root / NLU_REPORT).read_text(encoding="utf-8"))
    weighted = report["weighted avg"]
    value = (
        f"{_percent(report['accuracy'])} intent accuracy, weighted F1 "
        f"{weighted['f1-score']:.3f}, {weighted['support']} examples (floor 95 %)"
    )
    return value, _source(repo_root, NLU_REPORT)


def core_story_accuracy(repo_root: Path) -> tuple[str, str]:
    """Action accuracy of the conversation stories, and how many stories failed."""
    if not (repo_root / CORE_REPORT).is_file():
        return NOT_RUN, f"no {CORE_REPORT}"
    report = json.loads((repo_root / CORE_REPORT).read_text(encoding="utf-8"))
    value = (
        f"{_percent(report['accuracy'])} of {report['weighted avg']['support']} "
        "predicted actions correct"
    )
    if (repo_root / CORE_FAILED).is_file():
        failed = yaml.safe_load((repo_root / CORE_FAILED).read_text(encoding="utf-8"))
        stories = (failed or {}).get("stories") or []
        value += f", {len(stories)} failed stories"
    return value, _source(repo_root, CORE_REPORT)


def _junit(repo_root: Path) -> ElementTree.Element | None:
    path = repo_root / E2E_JUNIT
    return ElementTree.parse(path).getroot() if path.is_file() else None


def _suite_counts(suites: list[ElementTree.Element]) -> tuple[int, int]:
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    return tests, failed


def e2e_conversations(repo_root: Path) -> tuple[str, str]:
    """All end-to-end conversations against the running assistant."""
    root = _junit(repo_root)
    if root is None:
        return NOT_RUN, f"no {E2E_JUNIT}"
    tests, failed = _suite_counts(root.findall(".//testsuite"))
    return f"{tests} conversations, {failed} failed", _source(repo_root, E2E_JUNIT)


def e2e_generated_suite(repo_root: Path) -> tuple[str, str]:
    """The conversations generated from the triage table (every flag, every context)."""
    root = _junit(repo_root)
    if root is None:
        return NOT_RUN, f"no {E2E_JUNIT}"
    suites = [
        s
        for s in root.findall(".//testsuite")
        if s.get("name", "").endswith(GENERATED_SUITE)
    ]
    if not suites:
        return NOT_RUN, f"{E2E_JUNIT} has no {GENERATED_SUITE} suite"
    tests, failed = _suite_counts(suites)
    value = f"{tests} generated conversations, {failed} failed"
    return value, _source(repo_root, E2E_JUNIT)


def e2e_case_results(repo_root: Path) -> dict[str, str]:
    """``file::case`` -> passed or failed, from the last e2e run (empty if none)."""
    root = _junit(repo_root)
    if root is None:
        return {}
    return {
        f"{case.get('classname')}::{case.get('name')}": (
            "failed"
            if case.find("failure") is not None or case.find("error") is not None
            else "passed"
        )
        for case in root.iter("testcase")
    }


def model_up_to_date(repo_root: Path) -> tuple[str, str]:
    """Whether the trained model is newer than everything ``make train`` builds it from."""
    model = repo_root / MODEL
    if not model.is_file():
        return f"no trained model ({MODEL})", "make train has not run"
    inputs = [p for pattern in TRAINING_INPUTS for p in repo_root.glob(pattern)]
    newer = [p for p in inputs if p.stat().st_mtime > model.stat().st_mtime]
    if newer:
        names = ", ".join(sorted(str(p.relative_to(repo_root)) for p in newer)[:3])
        value = f"out of date: {len(newer)} inputs are newer ({names}); run make train"
    else:
        value = f"up to date with its {len(inputs)} training inputs"
    return value, f"{MODEL} ({_when(model)}) against {', '.join(TRAINING_INPUTS)}"


def _cells(line: str) -> list[str]:
    return [
        cell.strip().strip("*").strip() for cell in line.strip().strip("|").split("|")
    ]


def readme_safety_table(repo_root: Path) -> list[dict[str, str]]:
    """Rows of the README's held-out figures table as header -> cell (empty if absent)."""
    path = repo_root / README
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    for start, line in enumerate(lines):
        header = _cells(line) if line.startswith("|") else []
        if "present recall" in header and "false-present" in header:
            rows = []
            for row in lines[start + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(header, _cells(row), strict=False)))
            return rows
    return []


def _percentages(cell: str) -> list[float]:
    return [float(number) for number in re.findall(r"(\d+(?:\.\d+)?)\s*%", cell)]


HELDOUT_FILE = Path("reports/safety/heldout-figures.json")
# Held-out figure name -> its key in HELDOUT_FILE (written by make test-nlu-model).
HELDOUT_KEYS = {
    "heldout_present_recall": "present_recall",
    "heldout_emergency_recall": "emergency_recall",
    "heldout_unsure_recall": "unsure_recall",
    "heldout_false_present": "false_present",
}


def heldout_measured(repo_root: Path, name: str) -> tuple[str, str] | None:
    """One held-out figure per batch from the last ``make test-nlu-model``, if any."""
    path = repo_root / HELDOUT_FILE
    if not path.is_file():
        return None
    recorded = json.loads(path.read_text(encoding="utf-8"))
    key = HELDOUT_KEYS[name]
    target = float(recorded["targets"][key])
    batches = sorted(b for b in recorded if b != "targets")
    values = [f"{b} {_percent(recorded[b][key])}" for b in batches]
    at_most = key == "false_present"
    missed = sum(
        1
        for b in batches
        if (recorded[b][key] > target if at_most else recorded[b][key] < target)
    )
    bound = f"{'≤' if at_most else '≥'} {_percent(target)}"
    value = (
        f"{', '.join(values)} (target {bound}: missed in {missed} of {len(batches)})"
    )
    return value, _source(repo_root, HELDOUT_FILE)


def heldout_figure(repo_root: Path, column: str) -> tuple[str, str]:
    """One held-out column of the README table, per batch, against its target."""
    rows = readme_safety_table(repo_root)
    batches = [r for r in rows if r.get("part", "").startswith("held-out")]
    targets = [r for r in rows if "target" in r.get("part", "")]
    if not batches:
        return NOT_RUN, "no file from make test-nlu-model; no README table either"
    values = [f"{r['part'].split()[1]} {r.get(column, '?')}" for r in batches]
    value = ", ".join(values)
    target = targets[0].get(column, "") if targets else ""
    bound = _percentages(target)
    if bound:
        at_most = "≤" in target
        below = sum(
            1
            for r in batches
            if any(
                (v > bound[0]) if at_most else (v < bound[0])
                for v in _percentages(r.get(column, ""))
            )
        )
        value += f" (target {target}: missed in {below} of {len(batches)} batches)"
    return value, README_SOURCE


def _heldout_reader(name: str) -> Callable[[Path], tuple[str, str]]:
    """The measured figures when a run left them, else the README's table."""

    def read(repo_root: Path) -> tuple[str, str]:
        return heldout_measured(repo_root, name) or heldout_figure(
            repo_root, HELDOUT_COLUMNS[name]
        )

    return read


FIGURES: dict[str, tuple[str, Callable[[Path], tuple[str, str]]]] = {
    "nlu_intent_accuracy": (
        "held-out NLU test (make test-nlu)",
        nlu_intent_accuracy,
    ),
    "core_story_accuracy": (
        "conversation stories (make test-core)",
        core_story_accuracy,
    ),
    "e2e_conversations": (
        "end-to-end conversations (make test-e2e)",
        e2e_conversations,
    ),
    "e2e_generated_suite": (
        "red-flag suite generated from the triage table (make test-e2e)",
        e2e_generated_suite,
    ),
    "heldout_present_recall": (
        "held-out red-flag present recall",
        _heldout_reader("heldout_present_recall"),
    ),
    "heldout_emergency_recall": (
        "held-out emergency-flag recall (chest / cold leg)",
        _heldout_reader("heldout_emergency_recall"),
    ),
    "heldout_unsure_recall": (
        "held-out unsure recall",
        _heldout_reader("heldout_unsure_recall"),
    ),
    "heldout_false_present": (
        "held-out false-present rate",
        _heldout_reader("heldout_false_present"),
    ),
    "model_up_to_date": ("trained model against its inputs", model_up_to_date),
}
"""Figure name -> (title, reader). The register may cite exactly these names."""


def read_figures(repo_root: Path) -> list[Figure]:
    """Every figure of :data:`FIGURES`, read now."""
    figures = []
    for name, (title, reader) in FIGURES.items():
        try:
            value, source = reader(repo_root)
        except (
            OSError,
            ValueError,
            KeyError,
            TypeError,
            yaml.YAMLError,
            ElementTree.ParseError,
        ) as error:
            value, source = f"unreadable ({error})", "see the file named in the error"
        figures.append(Figure(name, title, value, source))
    return figures
