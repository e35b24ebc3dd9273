"""The two bots ``make bench`` compares, configured and started as ``make run`` does.

This assistant runs with its action server token, the REST channel's bearer token and
the widget's socket channel (:class:`supervisor.assistant.Assistant`); the bare bot is
``rasa init --no-prompt`` (no custom actions), trained once into ``--bare-dir`` and
reused. Each runs with the SQLite tracker store or the in-memory one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from supervisor.assistant import Assistant, AssistantConfig
from supervisor.process import HOST, Service, wait_http

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
RASA_PORT = int(os.environ.get("BENCH_RASA_PORT", "5710"))
ACTIONS_PORT = int(os.environ.get("BENCH_ACTIONS_PORT", "5711"))
REST_TOKEN = "bench-rest-token"
API_TOKEN = "bench-api-token"
MODEL = REPO / "models" / "hamstring.tar.gz"
BARE_DIR = REPO / "build" / "bench" / "bare-bot"
OUT_DIR = REPO / "build" / "bench"

# A full screening that ends in remedy advice: greeting, a question, the report, the
# answers to the fourteen red-flag questions (one unsure, asked again) and to the last
# one ("anything else?"), thanks. Every custom action runs.
ASSISTANT_SCRIPT = (
    ["hi", "what causes hamstring cramps?", "my hamstring is cramping"]
    + ["no"] * 3
    + ["not sure", "no"]
    + ["no"] * 11
    + ["thanks"]
)
# The stories of `rasa init`: greet, mood, the picture, the answer, goodbye.
BARE_SCRIPT = ["hello", "I am sad", "yes", "great", "bye"]


@dataclasses.dataclass(frozen=True)
class Bot:
    """One configuration to measure."""

    name: str  # "assistant" or "bare"
    store: str  # "sqlite" or "memory"
    revision: str = ""  # the assistant with endpoints.yml of this git revision
    # Rasa calls its action server through a proxy on this port (bench/action_calls.py).
    action_proxy_port: int | None = None
    model: Path = MODEL  # the assistant's trained model
    project_dir: Path = (
        REPO  # its code (a checkout of another revision: bench/memory.py)
    )

    @property
    def label(self) -> str:
        """How the tables name it."""
        name = f"{self.name}@{self.revision}" if self.revision else self.name
        if self.model != MODEL:
            name = f"{name}@{self.model.name}"
        return f"{name}, {self.store}"

    @property
    def script(self) -> list[str]:
        """What one conversation says."""
        return ASSISTANT_SCRIPT if self.name == "assistant" else BARE_SCRIPT


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

    The action server's port (or ``bot.action_proxy_port``) and the conversations
    file are the bench's; with ``store == "memory"`` the tracker store entry is dropped
    (Rasa's default).
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
    port = bot.action_proxy_port or ACTIONS_PORT
    endpoints["action_endpoint"]["url"] = f"http://{HOST}:{port}/webhook"
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
        model=bot.model,
        project_dir=bot.project_dir,
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
