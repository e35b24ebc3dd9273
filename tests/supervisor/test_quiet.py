"""Third-party warnings go to the file, every other line to the terminal."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from supervisor.quiet import WarningFilter, run_quietly

# As Rasa 3.6's commands print them (a multi-line message, Rasa's coloured warning).
OUTPUT = """\
/venv/rasa/shared/utils/validation.py:134: DeprecationWarning: pkg_resources is deprecated
  import pkg_resources
/venv/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to `declare_namespace('ruamel')`.
Implementing implicit namespace packages (as specified in PEP 420) is preferred.
  declare_namespace(pkg)
2026-12-02 20:35:13 INFO     root  - Starting Rasa server on http://127.0.0.1:5705
\x1b[93m/venv/rasa/shared/core/slot_mappings.py:224: UserWarning: Slot auto-fill has been removed
  rasa.shared.utils.io.raise_warning(
\x1b[0m
The assistant is ready.
Traceback (most recent call last):
  File "x.py", line 1, in <module>
ValueError: boom
"""


def split(text: str) -> tuple[str, str]:
    """(terminal, log) of ``text`` through the filter."""
    terminal, log = io.StringIO(), io.StringIO()
    WarningFilter(terminal, log).feed_all(io.StringIO(text))
    return terminal.getvalue(), log.getvalue()


def test_warning_blocks_go_to_the_log_and_the_rest_stays() -> None:
    """Headers, continuation lines and quoted source lines leave; nothing else does."""
    terminal, log = split(OUTPUT)
    assert terminal.splitlines() == [
        "2026-12-02 20:35:13 INFO     root  - Starting Rasa server on http://127.0.0.1:5705",
        "The assistant is ready.",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "ValueError: boom",
    ]
    assert "Warning" not in terminal
    assert log.count("Warning: ") == 3
    assert "Implementing implicit namespace packages" in log
    assert "declare_namespace(pkg)" in log


def test_nothing_is_lost() -> None:
    """Every line ends up in exactly one of the two."""
    terminal, log = split(OUTPUT)
    assert sorted((terminal + log).splitlines()) == sorted(OUTPUT.splitlines())


def test_the_command_exit_code_is_kept(tmp_path: Path) -> None:
    """A failing command fails the wrapper the same way."""
    code = run_quietly(
        [sys.executable, "-c", "import sys; print('x'); sys.exit(3)"],
        tmp_path / "warnings.log",
    )
    assert code == 3
