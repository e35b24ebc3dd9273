#!/usr/bin/env python3
"""``make bench``: this assistant beside a bare ``rasa init`` bot, in one run.

Both bots run in the same Rasa and the same venv, one after the other, each with the
SQLite tracker store (as ``make run`` configures this assistant) and again with the
in-memory one. This assistant runs as ``make run`` sets it up: the action server with
its token, the REST channel with its bearer token, the widget's socket channel. The
bare bot is ``rasa init --no-prompt`` (no custom actions), trained once into
``--bare-dir`` and reused.

For every configuration it prints:

- start-up: seconds from starting the servers to every one answering;
- a closed-loop REST client (each conversation sends its next message when the last
  one is answered) at 1, 10 and 50 concurrent conversations: p50/p95 latency and
  messages per second, and the ratios to the bare bot with the same tracker store;
- one long conversation: median latency around turn 5 and around turn 200, and their
  ratio (does a turn cost more as the conversation grows?);
- resident memory (RSS, and its peak) of the Rasa server and of the action server.

``--training`` also times ``rasa train`` of this assistant from scratch (empty cache)
and again from the warm cache (slow: minutes). The figures go to stdout and to
``reports/bench/<time>.json``. The machine is shared: read medians and ratios, and
compare only figures measured in the same run. The bots are configured and started
by :mod:`bench.bots`, the conversations sent by :mod:`bench.client`.

    .venv/bin/python -m bench.compare [--levels 1 10 50] [--seconds 20] [--training]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.bots import BARE_DIR, OUT_DIR, REPO, Bot, bare_model, rss_mb, running
from bench.client import around, closed_loop, long_conversation
from bench.reports import write_report

logger = logging.getLogger(__name__)

LONG_TURNS = 205


def measure(
    bot: Bot, *, levels: Sequence[int], seconds: float, long_runs: int, bare_dir: Path
) -> dict[str, object]:
    """Every serving figure of one configuration."""
    log_dir = OUT_DIR / bot.label.replace(", ", "-").replace("@", "-")
    with running(bot, bare_dir, log_dir) as proc:
        figures: dict[str, object] = {"startup_s": proc["startup_s"]}
        asyncio.run(closed_loop(bot.script, 2, 3.0))  # warm-up, not counted
        figures["load"] = [
            asyncio.run(closed_loop(bot.script, level, seconds)).summary()
            for level in levels
        ]
        turn5, turn200 = [], []
        for _ in range(long_runs):
            latencies = asyncio.run(long_conversation(bot.script, LONG_TURNS))
            turn5.append(around(latencies, 5))
            turn200.append(around(latencies, 200))
        figures["turn5_ms"] = statistics.median(turn5)
        figures["turn200_ms"] = statistics.median(turn200)
        rasa_pid = proc["rasa_pid"]
        actions_pid = proc["actions_pid"]
        assert isinstance(rasa_pid, int)
        assert actions_pid is None or isinstance(actions_pid, int)
        figures["rasa_rss_mb"], figures["rasa_peak_rss_mb"] = rss_mb(rasa_pid)
        figures["actions_rss_mb"], figures["actions_peak_rss_mb"] = rss_mb(actions_pid)
    return figures


def bench_training() -> dict[str, float]:
    """``rasa train`` of this assistant from scratch, then again from the warm cache."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            RASA_TELEMETRY_ENABLED="false",
            RASA_CACHE_DIRECTORY=str(Path(tmp) / "cache"),
        )
        command = [sys.executable, "-m", "rasa", "train", "--domain", "domain"]
        command += ["--fixed-model-name", "bench", "--out"]
        times = []
        for out in ("cold", "warm"):
            started = time.perf_counter()
            subprocess.run(
                [*command, str(Path(tmp) / out)],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
    return {"from_scratch_s": times[0], "from_cache_s": times[1]}


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``1.23x``."""
    return f"{a / b:.2f}x" if b else "n/a"


def print_report(results: dict[str, dict[str, object]], levels: Sequence[int]) -> None:
    """The tables: per configuration, then this assistant against the bare bot."""
    print("\nconfiguration                conv   msgs  err  p50 ms  p95 ms   msg/s")
    for label, figures in results.items():
        for row in figures["load"]:  # type: ignore[attr-defined]
            print(
                f"{label:<28} {row['conversations']:>4} {row['messages']:>6} "
                f"{row['errors']:>4} {row['p50_ms']:>7.0f} {row['p95_ms']:>7.0f} "
                f"{row['msg_per_s']:>7.1f}"
            )
    for label, ours in results.items():
        store = label.rsplit(", ", 1)[1]
        bare = results.get(f"bare, {store}")
        if label.startswith("bare") or not bare:
            continue
        print(f"\n{label} / bare, {store}:")
        print("  conv   p50 ratio   p95 ratio   msg/s ratio")
        for mine, theirs in zip(ours["load"], bare["load"], strict=True):  # type: ignore[call-overload]
            print(
                f"  {mine['conversations']:>4}   {ratio(mine['p50_ms'], theirs['p50_ms']):>9}"
                f"   {ratio(mine['p95_ms'], theirs['p95_ms']):>9}"
                f"   {ratio(mine['msg_per_s'], theirs['msg_per_s']):>11}"
            )
    print(
        "\nconfiguration                start s  turn5 ms  turn200 ms  200/5   Rasa RSS (peak) MB  actions RSS (peak) MB"
    )
    for label, f in results.items():
        actions = (
            f"{f['actions_rss_mb']:.0f} ({f['actions_peak_rss_mb']:.0f})"
            if f["actions_rss_mb"] == f["actions_rss_mb"]
            else "-"
        )
        print(
            f"{label:<28} {f['startup_s']:>7.1f} {f['turn5_ms']:>9.0f} {f['turn200_ms']:>11.0f}"
            f"  {ratio(f['turn200_ms'], f['turn5_ms']):>6}"  # type: ignore[arg-type]
            f"   {f['rasa_rss_mb']:>6.0f} ({f['rasa_peak_rss_mb']:.0f})"
            f"           {actions}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the configurations, print the tables, write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=20.0, help="per level")
    parser.add_argument("--long-runs", type=int, default=2, help="long conversations")
    parser.add_argument("--stores", nargs="+", default=["sqlite", "memory"])
    parser.add_argument("--bare-dir", type=Path, default=BARE_DIR)
    parser.add_argument(
        "--before",
        metavar="REV",
        default="",
        help="also run the assistant with endpoints.yml of this git revision",
    )
    parser.add_argument(
        "--before-model",
        metavar="PATH",
        type=Path,
        default=None,
        help="also run the assistant with this trained model (e.g. of an earlier commit)",
    )
    parser.add_argument("--training", action="store_true", help="also time training")
    parser.add_argument("--label", default="", help="a note kept in the JSON report")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"

    bare_model(args.bare_dir)
    bots = []
    for store in args.stores:
        bots.append(Bot("bare", store))
        if args.before:
            bots.append(Bot("assistant", store, args.before))
        if args.before_model:
            bots.append(Bot("assistant", store, model=args.before_model.resolve()))
        bots.append(Bot("assistant", store))
    results: dict[str, dict[str, object]] = {}
    for bot in bots:
        logger.info("measuring %s", bot.label)
        results[bot.label] = measure(
            bot,
            levels=args.levels,
            seconds=args.seconds,
            long_runs=args.long_runs,
            bare_dir=args.bare_dir,
        )
    print_report(results, args.levels)
    report: dict[str, object] = {
        "label": args.label,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            check=False,
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip(),
        "cores": os.cpu_count(),
        "serving": results,
    }
    if args.training:
        logger.info("timing training (from scratch, then from the warm cache)")
        training = bench_training()
        report["training"] = training
        print(
            f"\ntraining from scratch {training['from_scratch_s']:.0f} s, "
            f"from the warm cache {training['from_cache_s']:.0f} s"
        )
    write_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
