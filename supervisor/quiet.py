"""Third-party warnings to a file, the lines that matter to the terminal.

Rasa, TensorFlow, setuptools and friends print screens of deprecation warnings at
start-up around the few lines a person needs (where to chat, a test's result). This
filter sends every Python warning block (``path:line: XWarning: message``, its
continuation lines and the source line Python quotes) to a log file and everything
else through unchanged::

    python -m supervisor.quiet --log logs/warnings.log -- rasa test core ...

The command's exit code is returned. Nothing is dropped: the warnings are in the file.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

WARNING_HEADER = re.compile(r"^\S.*:\d+: [A-Za-z]*Warning: ")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOG_RECORD = re.compile(r"^(\d{4}-\d\d-\d\d[ T]|Traceback |\w*Error\b|ERROR|CRITICAL)")
DEFAULT_LOG = Path("logs") / "warnings.log"
STOP_GRACE_S = 20.0


class WarningFilter:
    """Splits a stream of lines into warning blocks (to ``log``) and the rest."""

    def __init__(self, terminal: TextIO, log: TextIO) -> None:
        """Write plain lines to ``terminal``, warning blocks to ``log``."""
        self.terminal = terminal
        self.log = log
        self.state = "none"  # "header": in a warning's message; "source": its quote

    def is_warning(self, line: str) -> bool:
        """Whether ``line`` belongs to a warning block (updates the state)."""
        plain = ANSI.sub("", line).rstrip("\n")
        if WARNING_HEADER.match(plain):
            self.state = "header"
            return True
        if self.state == "none" or LOG_RECORD.match(plain):
            self.state = "none"
            return False
        if plain.startswith((" ", "\t")) or not plain.strip():
            self.state = "source"
            return True
        if self.state == "header":  # a message that runs over several lines
            return True
        self.state = "none"
        return False

    def feed(self, line: str) -> None:
        """Route one line."""
        target = self.log if self.is_warning(line) else self.terminal
        target.write(line)
        target.flush()

    def feed_all(self, lines: Iterable[str]) -> None:
        """Route every line."""
        for line in lines:
            self.feed(line)


def run_quietly(command: Sequence[str], log_path: Path, **popen: Any) -> int:
    """Run ``command``, its warnings to ``log_path``, the rest to our stdout."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            **popen,
        )
        assert process.stdout is not None
        try:
            WarningFilter(sys.stdout, log).feed_all(process.stdout)
            return process.wait()
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM): the command stops with us.
            process.terminate()
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            raise


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``python -m supervisor.quiet [--log FILE] -- command ...``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    print(f"(third-party warnings go to {args.log})", flush=True)
    return run_quietly(command, args.log)


if __name__ == "__main__":
    sys.exit(main())
