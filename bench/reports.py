"""Where the benchmarks write their figures: one JSON file a run, named by its time."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.bots import REPO

REPORTS = REPO / "reports" / "bench"


def write_report(report: dict[str, Any], prefix: str = "") -> Path:
    """Write ``report`` to ``reports/bench/<prefix><UTC time>.json``; print its path."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{prefix}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nreport: {path.relative_to(REPO)}")
    return path
