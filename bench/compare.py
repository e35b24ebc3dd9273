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
compare only figures measured in the same run.

    .venv/bin/python -m bench.compare [--levels 1 10 50] [--seconds 20] [--training]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import aiohttp
import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from supervisor.assistant import Assistant, AssistantConfig
from supervisor.process import HOST, Service, wait_http

logger = logging.getLogger(__name__)

RASA_PORT = int(os.environ.get("BENCH_RASA_PORT", "5710"))
ACTIONS_PORT = int(os.environ.get("BENCH_ACTIONS_PORT", "5711"))
REST_TOKEN = "bench-rest-token"
API_TOKEN = "bench-api-token"
MODEL = REPO / "models" / "hamstring.tar.gz"
BARE_DIR = REPO / "build" / "bench" / "bare-bot"
OUT_DIR = REPO / "build" / "bench"
REPORTS = REPO / "reports" / "bench"

# A full screening that ends in remedy advice: greeting, a question, the report, the
# fourteen answers (one unsure, asked again), thanks. Every custom action runs.
ASSISTANT_SCRIPT = (
    ["hi", "what causes hamstring cramps?", "my hamstring is cramping"]
    + ["no"] * 3
    + ["not sure", "no"]
    + ["no"] * 10
    + ["thanks"]
)
# The stories of `rasa init`: greet, mood, the picture, the answer, goodbye.
BARE_SCRIPT = ["hello", "I am sad", "yes", "great", "bye"]
LONG_TURNS = 205
WINDOW = 2  # turns either side of turn 5 and turn 200


@dataclasses.dataclass(frozen=True)
class Bot:
    """One configuration to measure."""

    name: str  # "assistant" or "bare"
    store: str  # "sqlite" or "memory"
    revision: str = ""  # the assistant with endpoints.yml of this git revision

    @property
    def label(self) -> str:
        """How the tables name it."""
        name = f"{self.name}@{self.revision}" if self.revision else self.name
        return f"{name}, {self.store}"

    @property
    def script(self) -> list[str]:
        """What one conversation says."""
        return ASSISTANT_SCRIPT if self.name == "assistant" else BARE_SCRIPT


@dataclasses.dataclass
class LoadResult:
    """A closed-loop run at one concurrency."""

    conversations: int
    latencies_ms: list[float]
    seconds: float
    errors: int

    @property
    def throughput(self) -> float:
        """Answered messages per second."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, float]:
        """p50, p95 and msg/s."""
        return {
            "conversations": self.conversations,
            "messages": len(self.latencies_ms),
            "errors": self.errors,
            "p50_ms": percentile(self.latencies_ms, 0.50),
            "p95_ms": percentile(self.latencies_ms, 0.95),
            "msg_per_s": self.throughput,
        }


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile of ``values`` (nearest rank); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_mb(pid: int | None) -> tuple[float, float]:
    """(current, peak) resident memory in MB of process ``pid``."""
    if pid is None:
        return float("nan"), float("nan")
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return (
        int(fields["VmRSS"].split()[0]) / 1024,
        int(fields["VmHWM"].split()[0]) / 1024,
    )


# ------------------------------------------------------------------------- the bots


def bare_model(bare_dir: Path) -> Path:
    """The bare bot's model, trained once by ``rasa init --no-prompt`` into ``bare_dir``."""
    models = sorted((bare_dir / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    shutil.rmtree(bare_dir, ignore_errors=True)
    bare_dir.mkdir(parents=True)
    logger.info("training the bare bot once into %s (rasa init --no-prompt)", bare_dir)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "init",
            "--no-prompt",
            "--init-dir",
            str(bare_dir),
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
    )
    return max((bare_dir / "models").glob("*.tar.gz"))


def tracker_store_yaml(store: str, db: Path) -> str:
    """The endpoints entry for the tracker store kind (SQLite as ``make run``, or none)."""
    if store == "memory":
        return ""
    return f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{db}"\n'


def assistant_endpoints(bot: Bot, log_dir: Path) -> Path:
    """``endpoints.yml`` (of ``bot.revision``, or as it is) on the bench's port and store.

    The action server's port and the conversations file are the bench's; with
    ``store == "memory"`` the tracker store entry is dropped (Rasa's default).
    """
    if bot.revision:
        text = subprocess.run(
            ["git", "show", f"{bot.revision}:endpoints.yml"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    else:
        text = (REPO / "endpoints.yml").read_text(encoding="utf-8")
    endpoints = yaml.safe_load(text)
    endpoints["action_endpoint"]["url"] = f"http://{HOST}:{ACTIONS_PORT}/webhook"
    if bot.store == "memory":
        endpoints.pop("tracker_store", None)
    else:
        endpoints["tracker_store"]["db"] = str(log_dir / "conversations.db")
    path = log_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def assistant_config(bot: Bot, log_dir: Path) -> AssistantConfig:
    """This assistant as ``make run`` configures it, on the bench's ports."""
    credentials = log_dir / "credentials.yml"
    log_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "channels.credentials", "--base", "credentials.yml"]
        + ["--output", str(credentials)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return AssistantConfig(
        model=MODEL,
        rasa_port=RASA_PORT,
        actions_port=ACTIONS_PORT,
        token=API_TOKEN,
        log_dir=log_dir,
        credentials=credentials,
        endpoints=assistant_endpoints(bot, log_dir),
        env={"REST_TOKEN": REST_TOKEN},
    )


@contextlib.contextmanager
def running(bot: Bot, bare_dir: Path, log_dir: Path) -> Iterator[dict[str, object]]:
    """Start ``bot``; yield its pids and start-up seconds; stop it afterwards."""
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    if bot.name == "assistant":
        config = assistant_config(bot, log_dir)
        started = time.perf_counter()
        with Assistant(config) as assistant:
            yield {
                "startup_s": time.perf_counter() - started,
                "rasa_pid": assistant.services["rasa"].pid,
                "actions_pid": assistant.services["actions"].pid,
            }
        return
    endpoints = log_dir / "endpoints.yml"
    endpoints.write_text(tracker_store_yaml(bot.store, log_dir / "conversations.db"))
    credentials = log_dir / "credentials.yml"
    credentials.write_text("rest:\n")
    command = [
        sys.executable,
        "-m",
        "rasa",
        "run",
        "--model",
        str(bare_model(bare_dir)),
    ]
    command += ["--interface", HOST, "--port", str(RASA_PORT)]
    command += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
    command += ["--enable-api", "--auth-token", API_TOKEN]
    rasa = Service(
        "rasa",
        command,
        log_path=log_dir / "rasa.log",
        cwd=bare_dir,
        env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
    )
    started = time.perf_counter()
    rasa.start()
    try:
        wait_http(
            f"http://{HOST}:{RASA_PORT}/status?token={API_TOKEN}",
            timeout=600,
            service=rasa,
            interval=0.2,
        )
        yield {
            "startup_s": time.perf_counter() - started,
            "rasa_pid": rasa.pid,
            "actions_pid": None,
        }
    finally:
        rasa.stop()


# ------------------------------------------------------------------------ the client


async def send(
    session: aiohttp.ClientSession, sender: str, text: str
) -> tuple[float, bool]:
    """POST one message; return (milliseconds, answered with 200 and a reply list)."""
    url = f"http://{HOST}:{RASA_PORT}/webhooks/rest/webhook"
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as reply:
            body = await reply.json(content_type=None)
            ok = reply.status == 200 and isinstance(body, list)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        ok = False
    return (time.perf_counter() - started) * 1000, ok


def client_session(limit: int) -> aiohttp.ClientSession:
    """A session with the REST token and one connection per conversation."""
    return aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {REST_TOKEN}"},
        timeout=aiohttp.ClientTimeout(total=120),
        connector=aiohttp.TCPConnector(limit=limit),
    )


async def closed_loop(
    script: Sequence[str], conversations: int, seconds: float
) -> LoadResult:
    """``conversations`` people, each sending its next message once answered.

    A person who reaches the end of ``script`` starts a new conversation. Messages sent
    before the deadline count; the run ends when every person's last one is answered.
    """
    result = LoadResult(conversations, [], 0.0, 0)
    deadline = time.monotonic() + seconds

    async def person(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            for text in script:
                if time.monotonic() >= deadline:
                    return
                elapsed, ok = await send(session, sender, text)
                if ok:
                    result.latencies_ms.append(elapsed)
                else:
                    result.errors += 1

    async with client_session(conversations) as session:
        started = time.perf_counter()
        await asyncio.gather(*(person(session) for _ in range(conversations)))
        result.seconds = time.perf_counter() - started
    return result


async def long_conversation(script: Sequence[str], turns: int) -> list[float]:
    """Latency of every turn of one conversation that repeats ``script``."""
    sender = f"bench-long-{uuid.uuid4().hex[:12]}"
    latencies = []
    async with client_session(1) as session:
        for turn in range(turns):
            elapsed, ok = await send(session, sender, script[turn % len(script)])
            if not ok:
                raise RuntimeError(f"turn {turn + 1} of the long conversation failed")
            latencies.append(elapsed)
    return latencies


def around(latencies: Sequence[float], turn: int) -> float:
    """Median latency of the turns within ``WINDOW`` of ``turn`` (1-based)."""
    return statistics.median(latencies[turn - 1 - WINDOW : turn + WINDOW])


# -------------------------------------------------------------------------- the run


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
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nreport: {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
