"""The runner's real command line, as the tests that start the assistant call it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping

from tests.e2e.utils.settings import PROJECT


def run_e2e(
    *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m e2e ARGS`` in the project folder, its output captured (10 minutes at most).

    ``env`` replaces the environment (tokens go there, not into the arguments).
    """
    return subprocess.run(
        [sys.executable, "-m", "e2e", *args],
        cwd=PROJECT,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
