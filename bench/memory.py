#!/usr/bin/env python3
"""``make bench-memory``: what the Rasa server's resident memory is made of.

Two measurements, each repeated in fresh processes and reported as medians:

- ``parts``: one Python process loads what ``rasa run`` loads, one part after the
  other, and reads its resident memory (``VmRSS``) after each: the interpreter,
  TensorFlow, Rasa's server modules, then the trained model's graph component by
  component (Rasa's ``GraphNode._load_component``, wrapped), then a few messages
  through the NLU (the first one builds DIET's TensorFlow function). Each part's
  figure is what it added to what was loaded before it.
- ``server``: this assistant started as ``make run`` configures it (:mod:`bench.bots`,
  SQLite store) ``--starts`` times: its start-up time and, after a few full
  conversations, the resident memory of the Rasa server and of the action server.
  ``--env NAME=VALUE`` runs the servers with that in their environment as well, and
  ``--before-model PATH`` runs that model as well (e.g. one trained before a change),
  with the code of ``--before-revision REV`` if given (a ``git archive`` of it under
  ``build/bench/``), in the same run and interleaved start by start, so each is
  measured against the same baseline.

    .venv/bin/python -m bench.memory [--starts 3] [--env MALLOC_ARENA_MAX=2 ...]
        [--before-model build/bench/before.tar.gz [--before-revision REV]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.bots import ASSISTANT_SCRIPT, BARE_DIR, MODEL, OUT_DIR, REPO, Bot, rss_mb
from bench.bots import running as running_bot
from bench.client import closed_loop
from bench.reports import write_report
from supervisor.rasa_entry import skip_unused_modules

SPACY_DIR = "spacy"
"""The folder under ``build/`` that holds the project's spaCy pipeline (``config.yml``)."""

logger = logging.getLogger(__name__)

MESSAGES = ("hi", "my hamstring is cramping", "no", "not sure", "what causes cramps?")


def rss_now() -> float:
    """This process's resident memory in MB."""
    return rss_mb(os.getpid())[0]


def load_parts(model: Path) -> list[tuple[str, float]]:
    """Load what ``rasa run`` loads, part by part; (part, MB it added) in order.

    As the server's entry point runs it (:mod:`supervisor.rasa_entry`): without the
    modules it marks unavailable.
    """
    skip_unused_modules(sys.modules)
    parts: list[tuple[str, float]] = []
    last = 0.0

    def mark(part: str) -> None:
        nonlocal last
        now = rss_now()
        parts.append((part, now - last))
        last = now

    mark("python interpreter")
    import tensorflow

    mark("import tensorflow")
    tensorflow.function(lambda x: tensorflow.matmul(x, x))(tensorflow.ones((2, 2)))
    mark("TensorFlow's runtime (a first tf.function)")
    import rasa.core.agent
    import rasa.core.run

    mark("import Rasa's server modules")
    from rasa.engine.graph import GraphNode

    original = GraphNode._load_component

    def measured(node: GraphNode, **kwargs: object) -> None:
        mark("(between components)")
        original(node, **kwargs)
        mark(f"component {node._component_class.__name__} ({node._node_name})")

    GraphNode._load_component = measured
    agent = asyncio.run(rasa.core.agent.load_agent(model_path=str(model)))
    GraphNode._load_component = original
    mark("rest of the model's load")
    asyncio.run(agent.parse_message(MESSAGES[0]))
    mark("first message through the NLU")
    for _ in range(10):
        for text in MESSAGES:
            asyncio.run(agent.parse_message(text))
    mark(f"{10 * len(MESSAGES)} more messages")
    parts.append(("total", rss_now()))
    return parts


def parts_in_child(model: Path, env: dict[str, str]) -> list[tuple[str, float]]:
    """:func:`load_parts` in a fresh Python process with ``env`` added."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--child-parts", "--model", str(model)],
        cwd=REPO,
        env=dict(os.environ, RASA_TELEMETRY_ENABLED="false", **env),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [tuple(part) for part in json.loads(out.splitlines()[-1])]


@contextmanager
def extra_environment(env: dict[str, str]) -> Iterator[None]:
    """``env`` added to this process's environment (the servers inherit it)."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def checkout(revision: str) -> Path:
    """The project's files at ``revision``, once, under ``build/bench/``.

    A model is served only with the spaCy pipeline it was trained with
    (``components/spacy_pipeline_pin.py``), so the revision's own ``nlp.build`` builds
    its pipeline from its own wordings and dev phrasings into its ``build/spacy/``;
    the rest of its ``build/`` is ours.
    """
    target = OUT_DIR / f"src-{revision}"
    if not target.is_dir():
        archive = subprocess.run(
            ["git", "archive", revision], cwd=REPO, check=True, capture_output=True
        ).stdout
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        subprocess.run(["tar", "-x", "-C", str(staging)], input=archive, check=True)
        (staging / "build").mkdir()
        for entry in (REPO / "build").iterdir():
            if entry.name != SPACY_DIR:
                (staging / "build" / entry.name).symlink_to(entry)
        # ``python -m`` puts the working directory first on the path: the revision's
        # nlp package, writing to its default output under the revision's build/.
        subprocess.run([sys.executable, "-m", "nlp.build"], cwd=staging, check=True)
        staging.rename(target)
    return target


def server_rss(
    model: Path, env: dict[str, str], seconds: float, project_dir: Path = REPO
) -> dict[str, float]:
    """Start the assistant with ``model`` and ``env``, run conversations, read RSS."""
    bot = Bot("assistant", "sqlite", model=model, project_dir=project_dir)
    with (
        extra_environment(env),
        running_bot(bot, BARE_DIR, OUT_DIR / "memory") as proc,
    ):
        rasa_pid, actions_pid = proc["rasa_pid"], proc["actions_pid"]
        assert isinstance(rasa_pid, int) and isinstance(actions_pid, int)
        startup = proc["startup_s"]
        assert isinstance(startup, float)
        loaded = rss_mb(rasa_pid)[0]
        result = asyncio.run(closed_loop(ASSISTANT_SCRIPT, 10, seconds))
        rasa_rss, rasa_peak = rss_mb(rasa_pid)
        actions_rss, _ = rss_mb(actions_pid)
    return {
        "startup_s": startup,
        "rasa_loaded_mb": loaded,
        "rasa_mb": rasa_rss,
        "rasa_peak_mb": rasa_peak,
        "actions_mb": actions_rss,
        "msg_per_s": result.throughput,
    }


def env_label(env: dict[str, str]) -> str:
    """How the tables name a configuration's added environment."""
    return ",".join(f"{k}={v}" for k, v in env.items()) or "as configured"


def parse_env(items: Sequence[str]) -> dict[str, str]:
    """``NAME=VALUE`` items as a mapping."""
    pairs = [item.split("=", 1) for item in items]
    if any(len(pair) != 2 for pair in pairs):
        raise SystemExit("--env takes NAME=VALUE")
    return dict(pairs)


def print_parts(runs: list[list[tuple[str, float]]]) -> dict[str, float]:
    """Median MB of each part over ``runs`` (same parts in the same order)."""
    medians = {
        name: statistics.median(run[i][1] for run in runs)
        for i, (name, _) in enumerate(runs[0])
        if name != "(between components)"
    }
    print(f"\nresident memory by part (median of {len(runs)} processes, MB added)")
    for name, mb in medians.items():
        print(f"  {name:<66} {mb:>7.1f}")
    return medians


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the parts, then the server with and without each ``--env`` setting."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--runs", type=int, default=3, help="processes for the parts")
    parser.add_argument("--starts", type=int, default=3, help="server starts each")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per start")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE[,...]")
    parser.add_argument("--before-model", type=Path, help="also serve this model")
    parser.add_argument("--before-revision", help="with the code of this revision")
    parser.add_argument("--no-parts", action="store_true")
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--child-parts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    if args.child_parts:
        logging.basicConfig(level=logging.ERROR)
        print(json.dumps(load_parts(args.model)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    report: dict[str, object] = {"model": str(args.model)}
    variants: list[dict[str, str]] = [{}] + [
        parse_env(item.split(",")) for item in args.env
    ]
    if not args.no_parts:
        report["parts"] = {}
        for env in variants:
            label = env_label(env)
            logger.info("parts, %s", label)
            runs = [parts_in_child(args.model, env) for _ in range(args.runs)]
            print(f"\n[{label}]", end="")
            report["parts"][label] = print_parts(runs)  # type: ignore[index]
    if not args.no_server:
        servers: dict[str, list[dict[str, float]]] = {}
        configurations: list[tuple[str, Path, dict[str, str], Path]] = [
            (env_label(env), args.model, env, REPO) for env in variants
        ]
        if args.before_model:
            code = checkout(args.before_revision) if args.before_revision else REPO
            label = f"before: {args.before_model.name}"
            if args.before_revision:
                label += f" at {args.before_revision}"
            configurations.insert(0, (label, args.before_model, {}, code))
        for _ in range(args.starts):  # interleaved, so drift hits every variant
            for label, model, env, code in configurations:
                logger.info("server, %s", label)
                servers.setdefault(label, []).append(
                    server_rss(model, env, args.seconds, code)
                )
        print(f"\nRasa server resident memory, median of {args.starts} starts (MB)")
        print(
            f"  {'configuration':<52} {'start s':>7} {'started':>7} {'after load':>10}"
            f" {'peak':>7} {'actions':>8} {'msg/s':>6}  ratio"
        )
        base = statistics.median(s["rasa_mb"] for s in servers[configurations[0][0]])
        for label, starts in servers.items():
            median = {k: statistics.median(s[k] for s in starts) for k in starts[0]}
            print(
                f"  {label:<52} {median['startup_s']:>7.1f}"
                f" {median['rasa_loaded_mb']:>7.0f}"
                f" {median['rasa_mb']:>10.0f} {median['rasa_peak_mb']:>7.0f}"
                f" {median['actions_mb']:>8.0f} {median['msg_per_s']:>6.1f}"
                f"  {median['rasa_mb'] / base:.2f}x"
            )
        report["server"] = servers
    write_report(report, "memory-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
