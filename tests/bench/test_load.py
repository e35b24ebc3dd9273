"""The load benchmark's command line (its runs need the cluster: `make bench-load`)."""

import json
from pathlib import Path

import pytest

from bench import load


def test_json_report_goes_into_a_folder_made_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--json var/bench/load.json` on a fresh clone, where var/bench/ does not exist."""
    report = tmp_path / "var" / "bench" / "load.json"
    assert load.main(["--skip-cluster", "--skip-baseline", "--json", str(report)]) == 0
    assert json.loads(report.read_text()) == []
    assert "scenario" in capsys.readouterr().out
