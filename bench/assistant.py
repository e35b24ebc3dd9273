#!/usr/bin/env python3
"""Benchmark of the assistant on this machine: training, start-up, latency, memory.

Prints:
- training time from scratch (empty cache, `rasa train --force`) and a re-train with
  the cache warm, as the baseline beside it;
- time from `make run` to ready (REST answering and the action server healthy), with
  the model already trained (run `make train` first, or the time includes training);
- p50/p95 latency of each message of a scripted conversation over the REST channel,
  repeated, beside the latency of `GET /` on the same server as the baseline;
- resident memory (RSS) of the Rasa server and the action server.

Usage: .venv/bin/python bench/assistant.py [--rounds 10] [--skip-training]
Figures on shared machines are noisy: read the medians and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from supervisor.process import ServerError, Service, wait_http

RASA_PORT = int(os.environ.get("BENCH_RASA_PORT", "5605"))
ACTIONS_PORT = int(os.environ.get("BENCH_ACTIONS_PORT", "5655"))
BENCH_REST_TOKEN = "bench-rest-token"

# A full screening that ends in remedy advice: greeting, a question, the report,
# fourteen answers (one unsure, asked again), thanks.
CONVERSATION = (
    ["hi", "what causes hamstring cramps?", "my hamstring is cramping"]
    + ["no"] * 3
    + ["not sure", "no"]
    + ["no"] * 10
    + ["thanks"]
)


def timed(command: list[str], *, env: dict[str, str]) -> float:
    """Run ``command`` in the repository and return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_training(env: dict[str, str]) -> None:
    """Train from scratch with an empty cache, then again from the warm cache.

    The second run writes to another folder, so Rasa cannot skip it as unchanged, but
    restores every component from the cache: what a change that touches no component's
    input costs, the floor of any training here.
    """
    with tempfile.TemporaryDirectory() as tmp:
        train_env = dict(env, RASA_CACHE_DIRECTORY=str(Path(tmp) / "cache"))
        command = [".venv/bin/rasa", "train", "--domain", "domain"]
        command += ["--fixed-model-name", "b", "--out"]
        cold = timed(command + [str(Path(tmp) / "cold")], env=train_env)
        warm = timed(command + [str(Path(tmp) / "warm")], env=train_env)
    print(f"training from scratch: {cold:.1f} s")
    print(f"training again from the warm cache (baseline): {warm:.1f} s")
    print(f"  from scratch / baseline: {cold / warm:.1f}x")


def http(method: str, url: str, body: dict | None = None) -> tuple[float, object]:
    """One HTTP request; returns (seconds, parsed JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {BENCH_REST_TOKEN}",
    }
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        payload = response.read()
    elapsed = time.perf_counter() - start
    try:
        return elapsed, json.loads(payload)
    except ValueError:
        return elapsed, None


def rss_mb(pattern: str) -> float:
    """Resident memory in MB of the processes whose command line contains ``pattern``."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if pattern not in cmdline or "bench/assistant.py" in cmdline:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_serving(env: dict[str, str], rounds: int) -> None:
    """Start `make run`, time readiness, the conversation's latency and memory."""
    run_env = dict(
        env,
        RASA_PORT=str(RASA_PORT),
        ACTIONS_PORT=str(ACTIONS_PORT),
        RASA_TOKEN="bench",
        REST_TOKEN=BENCH_REST_TOKEN,
        WIDGET_PORT=str(RASA_PORT + 80),
    )
    start = time.monotonic()
    server = Service(
        "make-run",
        ["make", "--no-print-directory", "run"],
        log_path=ROOT / "build" / "bench" / "make-run.log",
        cwd=ROOT,
        env=run_env,
    ).start()
    try:
        try:
            wait_http(f"http://127.0.0.1:{RASA_PORT}/", timeout=600, service=server)
            wait_http(f"http://127.0.0.1:{ACTIONS_PORT}/health", timeout=60)
        except ServerError as error:
            print(f"the assistant did not become ready: {error}")
            return
        print(f"make run to ready: {time.monotonic() - start:.1f} s")
        message_times: list[float] = []
        floor_times: list[float] = []
        url = f"http://127.0.0.1:{RASA_PORT}/webhooks/rest/webhook"
        for _ in range(rounds):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            for text in CONVERSATION:
                elapsed, _ = http("POST", url, {"sender": sender, "message": text})
                message_times.append(elapsed)
                floor_times.append(http("GET", f"http://127.0.0.1:{RASA_PORT}/")[0])
        p50, p95 = percentile(message_times, 0.5), percentile(message_times, 0.95)
        floor = statistics.median(floor_times)
        print(
            f"REST latency over {len(message_times)} messages: "
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        )
        print(
            f"baseline GET / on the same server: p50 {floor * 1000:.1f} ms  "
            f"(message p50 is {p50 / floor:.0f}x)"
        )
        print(f"RSS Rasa server: {rss_mb(f'--port {RASA_PORT}'):.0f} MB")
        print(f"RSS action server: {rss_mb(f'--port {ACTIONS_PORT}'):.0f} MB")
    finally:
        server.stop()


def main(argv: list[str]) -> int:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-serving", action="store_true")
    args = parser.parse_args(argv)
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    print(f"machine: {os.cpu_count()} cores, {cpu}")
    if shutil.which("make") is None:
        print("make is required")
        return 1
    if not args.skip_training:
        bench_training(env)
    if not args.skip_serving:
        bench_serving(env, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
