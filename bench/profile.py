"""``make profile``: where the Rasa server's time goes under 10 concurrent conversations.

Starts this assistant as ``make run`` configures it (``bench/bots.py``: SQLite
tracker store, REST and action server tokens), warms it up, then runs the closed-loop
client at ``--conversations`` while py-spy samples the Rasa server twice, for
``--seconds`` each: once into a flame graph (``reports/profile/<time>.svg``), once into
collapsed stacks (``.txt`` beside it), from which it prints the share of samples spent
in each part (inclusive: a sample in jsonschema under a custom action call counts for
both).

    .venv/bin/python -m bench.profile [--conversations 10] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.bots import ASSISTANT_SCRIPT, BARE_DIR, OUT_DIR, REPO, Bot, running
from bench.client import closed_loop

logger = logging.getLogger(__name__)

REPORTS = REPO / "reports" / "profile"

# Parts of the server, by what a frame's text contains (first match of each part).
PARTS: dict[str, tuple[str, ...]] = {
    "jsonschema (checking action replies)": ("jsonschema/",),
    "custom action calls (RemoteAction.run)": ("run (rasa/core/actions/action.py",),
    "tracker sent to actions (current_state)": (
        "current_state (rasa/shared/core/trackers.py",
    ),
    "tracker store: retrieve": ("retrieve (rasa/core/tracker_store.py",),
    "tracker store: save": ("save (rasa/core/tracker_store.py",),
    "SQLAlchemy": ("sqlalchemy/",),
    "NLU (parse_message)": ("parse_message (rasa/core/processor.py",),
    "policies (_predict_next_with_tracker)": (
        "_predict_next_with_tracker (rasa/core/processor.py",
    ),
    "custom slot mappings (action_record_red_flags)": (
        "_run_custom_action (rasa/core/actions/action.py",
    ),
    "HTTP server (sanic)": ("sanic/",),
}


def py_spy() -> str:
    """The py-spy next to this Python, or on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    found = str(local) if local.exists() else shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


def shares(collapsed: Path) -> tuple[int, dict[str, float]]:
    """Total samples and, per part of ``PARTS``, the share of samples within it."""
    total = 0
    counts = dict.fromkeys(PARTS, 0)
    for line in collapsed.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        samples = int(number)
        total += samples
        for part, needles in PARTS.items():
            if any(needle in stack for needle in needles):
                counts[part] += samples
    return total, {part: n / total if total else 0.0 for part, n in counts.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Profile the server under load; write the flame graph and print the shares."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    spy = py_spy()
    REPORTS.mkdir(parents=True, exist_ok=True)
    stem = REPORTS / time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    svg, collapsed = stem.with_suffix(".svg"), stem.with_suffix(".txt")
    bot = Bot("assistant", "sqlite")
    with running(bot, BARE_DIR, OUT_DIR / "profile") as proc:
        asyncio.run(closed_loop(ASSISTANT_SCRIPT, 2, 5.0))
        for output, kind in ((svg, "flamegraph"), (collapsed, "raw")):
            command = [spy, "record", "--pid", str(proc["rasa_pid"])]
            command += ["--rate", str(args.rate), "--duration", str(args.seconds)]
            command += ["--format", kind, "--output", str(output), "--nonblocking"]
            sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            load = asyncio.run(
                closed_loop(ASSISTANT_SCRIPT, args.conversations, args.seconds + 2)
            )
            sampler.wait(timeout=args.seconds + 60)
            summary = load.summary()
            logger.info(
                "%s under %d conversations: %d messages, p50 %.0f ms, %.1f msg/s",
                kind,
                args.conversations,
                summary["messages"],
                summary["p50_ms"],
                summary["msg_per_s"],
            )
    total, parts = shares(collapsed)
    print(f"\nflame graph: {svg.relative_to(REPO)}")
    print(f"samples of the Rasa server (collapsed stacks, {total} samples):")
    for part, share in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"  {share:6.1%}  {part}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
