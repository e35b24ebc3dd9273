"""A small fake repository and registers for the safety-case tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

FAKE_FILES: dict[str, str] = {
    "Makefile": (
        "PY := .venv/bin/python\n"
        "FLAGS ::= -q\n"
        "NAME = value\n"
        "$(PY): requirements.txt\n"
        "\ttouch $@\n"
        "%.txt: %.in\n"
        "\tcp $< $@\n"
        ".PHONY: test-unit lint\n"
        "test-unit lint: $(PY) ## Two targets on one line\n"
        "\t$(PY) -m pytest\n"
    ),
    "mk/extra.mk": "test-extra: ## A fragment's target\n\techo extra\n",
    "tests/test_example.py": (
        "import pytest\n\n\n"
        "def test_one() -> None:\n    pass\n\n\n"
        "@pytest.mark.parametrize('x', [1, 2])\n"
        "async def test_two(x: int) -> None:\n    pass\n\n\n"
        "def helper() -> None:\n    pass\n\n\n"
        "class TestGroup:\n    def test_three(self) -> None:\n        pass\n"
    ),
    "tests/e2e/cases.yml": "test_cases:\n  - test_case: case_one\n    steps: []\n",
    "tests/test_stories.yml": "stories:\n  - story: a whole story\n    steps: []\n",
    "widget/tests/e2e.mjs": "// browser tests\n",
    "console/tests/test_console.py": "def test_audit() -> None:\n    pass\n",
}

VALID_HAZARD: dict[str, Any] = {
    "id": "HAZ-01",
    "title": "A red flag missed",
    "cause": "Words the detector does not know.",
    "effect": "Under-triage.",
    "initial": {"severity": "major", "likelihood": "high"},
    "residual": {"severity": "major", "likelihood": "low"},
    "controls": [
        {
            "description": "Every flag is asked.",
            "verified_by": [
                {"test": "tests/test_example.py::test_one"},
                {"test": "tests/test_example.py::test_two[1]"},
                {"test": "tests/test_example.py::TestGroup::test_three"},
                {"test": "tests/e2e/cases.yml::case_one"},
                {"test": "tests/test_stories.yml::a whole story"},
                {"test": "widget/tests/e2e.mjs"},
                {"test": "console/tests/test_console.py::test_audit"},
                {"make": "test-unit"},
                {"make": "lint"},
                {"make": "test-extra"},
                {"figure": "heldout_present_recall"},
            ],
        }
    ],
    "status": "open",
    "notes": "Held-out figures below target.",
}


def make_fake_repo(root: Path) -> Path:
    """Write :data:`FAKE_FILES` under ``root`` and return it."""
    for name, text in FAKE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def valid_register(*hazards: dict[str, Any]) -> dict[str, Any]:
    """A register that validates against the fake repository."""
    return {
        "system": "Test assistant",
        "standard": "Modelled on DCB0129",
        "approval": "Draft",
        "hazards": [copy.deepcopy(h) for h in hazards or (VALID_HAZARD,)],
    }


def write_register(path: Path, data: Any) -> Path:
    """Write ``data`` as YAML to ``path``."""
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
