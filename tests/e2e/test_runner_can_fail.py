"""The e2e runner catches a real safety bug in the actions.

A copy of ``actions/`` is made with one red flag's level flipped (``bruising`` becomes
``self_care`` in the copy's ``triage.py``). An action server runs that copy next to the
real trained model, and the suite's bruising case is run against it with the real
command line. The runner must fail the case and say what it expected and what the
bot did instead. This needs the trained model and takes a minute or two (two servers
start); it is skipped when the model has not been trained yet.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from supervisor.assistant import Assistant
from tests.e2e.utils.cli import run_e2e
from tests.e2e.utils.settings import ASSISTANT_PORTS, CASES, PROJECT
from tests.helpers.assistant import needs_trained_model, trained_assistant

CASE = "volunteered_bruising_is_see_doctor"
TOKEN = "e2e-broken-check"


def break_bruising(actions_copy: Path) -> None:
    """Make ``bruising`` a self-care flag in the copied ``triage.py``."""
    triage = actions_copy / "triage.py"
    source = triage.read_text(encoding="utf-8")
    broken, count = re.subn(
        r'RedFlag\(\s*"bruising",\s*SEE_DOCTOR', 'RedFlag("bruising", SELF_CARE', source
    )
    assert count == 1, "could not find the bruising red flag in actions/triage.py"
    triage.write_text(broken, encoding="utf-8")


@needs_trained_model
def test_runner_fails_when_a_red_flag_level_is_flipped(tmp_path: Path) -> None:
    """With bruising downgraded, the bruising case fails and the report says why."""
    # The actions and the packages they import (privacy/: "delete my conversation").
    for package in ("actions", "privacy"):
        shutil.copytree(
            PROJECT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    break_bruising(tmp_path / "actions")

    config = trained_assistant(
        ASSISTANT_PORTS,
        token=TOKEN,
        log_dir=tmp_path / "logs",
        actions_dir=tmp_path,
    )
    with Assistant(config):
        completed = run_e2e(
            "run",
            str(CASES),
            "--case",
            CASE,
            "--url",
            config.url,
            "--token",
            TOKEN,
            "--junit",
            str(tmp_path / "junit.xml"),
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert output.strip().splitlines()[-1] == "0 passed, 1 failed", output
    assert f"=== FAILED: {CASE}" in output, output
    # The failure names the broken expectation and shows what the bot did instead.
    assert "triage_level" in output and "see_doctor" in output, output
    assert "'self_care'" in output, output
    assert "transcript:" in output, output
    assert "<failure" in (tmp_path / "junit.xml").read_text(encoding="utf-8")
