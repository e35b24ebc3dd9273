"""scripts/safety_case.py: the report, and the exit status for an invalid register."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers.paths import REPO_ROOT
from tests.safety_case.helpers import VALID_HAZARD, valid_register, write_register

SCRIPT = REPO_ROOT / "scripts" / "safety_case.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """The script, imported as a module (``scripts/`` is not a package)."""
    spec = importlib.util.spec_from_file_location("safety_case_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_report_has_the_summary_figures_matrix_and_every_hazard(
    script: ModuleType, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "safety-case.md"
    assert script.main(["--output", str(output)]) == 0
    report = output.read_text(encoding="utf-8")
    for heading in ("## Summary", "## Latest figures", "## Risk matrix", "## Hazards"):
        assert heading in report
    assert "| [HAZ-01](#haz-01) |" in report
    assert "### HAZ-01" in report
    assert "| **very high** | 3 | 4 | 4 | 5 | 5 |" in report
    assert "figure: `heldout_present_recall`:" in report


def test_check_validates_without_writing(script: ModuleType, tmp_path: Path) -> None:
    output = tmp_path / "safety-case.md"
    assert script.main(["--check", "--output", str(output)]) == 0
    assert not output.exists()


def test_an_invalid_register_exits_non_zero_and_names_the_hazard(
    script: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = {**VALID_HAZARD, "id": "HAZ-07", "controls": "none"}
    register = write_register(tmp_path / "hazard_log.yml", valid_register(broken))
    output = tmp_path / "safety-case.md"
    caplog.set_level(logging.INFO)
    assert script.main(["--register", str(register), "--output", str(output)]) == 1
    assert "HAZ-07: 'controls' must list at least one control" in caplog.text
    assert not output.exists()
