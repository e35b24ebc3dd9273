"""Load benchmark of the deployment: concurrent conversations through nginx.

Runs, in one go (see bench/README-load.md):

1. the local cluster (``deploy/cluster/``: PostgreSQL, Redis, Rasa instances, nginx)
   with nginx sending to one instance, then to two, at 10, 50 and 200 concurrent
   conversations;
2. a fail-over scenario: two instances, one killed (SIGKILL) while conversations run;
3. the same client against a bare ``rasa init --no-prompt`` assistant (trained once in
   ``--baseline-dir``, in-memory tracker store, no nginx) as the baseline.

For each run it prints messages per second, latency percentiles, errors, and the events
lost or duplicated: every conversation's user events in the store are compared with the
messages that were answered (lost must be 0). Every loop is bounded in count and time,
and all traffic goes to 127.0.0.1.

    .venv/bin/python bench/load.py                       # everything
    .venv/bin/python bench/load.py --levels 10 50 --skip-baseline
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import aiohttp
import sqlalchemy as sa

from bench.load_results import COLUMNS, RunResult, format_row, print_row, print_table
from channels.conversation_id import conversation_id
from deploy import cluster

REPO = Path(__file__).resolve().parent.parent

MESSAGES = ("hello", "what causes hamstring cramps", "thanks", "bye")
RETRYABLE = {502, 503, 504}
BASELINE_PORT = 5509


@dataclasses.dataclass
class Conversation:
    """One simulated person: sends ``MESSAGES`` one after the other."""

    sender: str
    answered: list[str] = dataclasses.field(default_factory=list)


async def converse(
    session: aiohttp.ClientSession,
    url: str,
    conversation: Conversation,
    result: RunResult,
    *,
    retry_for_s: float,
) -> None:
    """Send every message of one conversation; retry 5xx/connection errors for a while."""
    headers = {"X-Conversation-Id": conversation.sender}
    for text in MESSAGES:
        payload = {"sender": conversation.sender, "message": text}
        deadline = time.monotonic() + retry_for_s
        result.sent += 1
        while True:
            started = time.perf_counter()
            status = None
            try:
                async with session.post(url, json=payload, headers=headers) as response:
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = None
            if status == 200:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.answered += 1
                conversation.answered.append(text)
                break
            if (status is None or status in RETRYABLE) and time.monotonic() < deadline:
                result.retries += 1
                await asyncio.sleep(0.5)
                continue
            result.errors += 1
            result.error_statuses[status or "connection"] += 1
            break


async def run_load(
    url: str,
    scenario: str,
    conversations: int,
    *,
    retry_for_s: float = 0.0,
    during: Callable[[RunResult], Awaitable[None]] | None = None,
    time_limit_s: float = 600.0,
    token: str | None = None,
) -> tuple[RunResult, list[Conversation]]:
    """Run ``conversations`` concurrent conversations against ``url``.

    ``token``: the REST channel's bearer token (the cluster's; the bare bot has none).

    ``during`` runs alongside the conversations with the live result (to kill an
    instance part-way through, for example).
    """
    result = RunResult(scenario, conversations, 0, 0, 0, 0, 0.0, [])
    people = [
        Conversation(f"bench-{uuid.uuid4().hex[:12]}") for _ in range(conversations)
    ]
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=conversations)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with aiohttp.ClientSession(
        timeout=timeout, connector=connector, headers=headers
    ) as session:
        started = time.perf_counter()
        tasks: list[Awaitable[None]] = [
            converse(session, url, p, result, retry_for_s=retry_for_s) for p in people
        ]
        if during is not None:
            tasks.append(during(result))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=time_limit_s)
        result.seconds = time.perf_counter() - started
    return result, people


def count_user_events_in_store(db_url: str, senders: Sequence[str]) -> dict[str, int]:
    """User events per REST sender in the cluster's PostgreSQL tracker store.

    The project's REST channel files a sender's messages under ``rest:<sender>``.
    """
    stored_as = {conversation_id("rest", sender): sender for sender in senders}
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT sender_id, count(*) AS n FROM events WHERE type_name = 'user' "
                    "AND sender_id = ANY(:conversations) GROUP BY sender_id"
                ),
                {"conversations": list(stored_as)},
            )
            return {stored_as[row.sender_id]: row.n for row in rows}
    finally:
        engine.dispose()


async def count_user_events_via_api(
    base_url: str, token: str, senders: Sequence[str]
) -> dict[str, int]:
    """User events per REST sender of the bare `rasa init` bot (in-memory store).

    Rasa's own REST channel files a message under its sender as it is.
    """
    counts: dict[str, int] = {}
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        for sender in senders:
            async with session.get(
                f"{base_url}/conversations/{sender}/tracker", params={"token": token}
            ) as response:
                tracker = await response.json()
            counts[sender] = sum(
                1 for event in tracker["events"] if event["event"] == "user"
            )
    return counts


def score_events(
    result: RunResult, people: Sequence[Conversation], stored: dict[str, int]
) -> None:
    """Compare answered messages with stored user events: lost and duplicated."""
    for person in people:
        in_store = stored.get(person.sender, 0)
        result.lost += max(0, len(person.answered) - in_store)
        result.duplicated += max(0, in_store - len(person.answered))


# --------------------------------------------------------------------------- scenarios


def cluster_settings() -> cluster.ClusterSettings:
    """The `make cluster` topology with the REST webhook public and limits raised for load."""
    return cluster.ClusterSettings.from_env(
        instances=2,
        expose_rest=True,
        rate_limit="100000r/s",
        rate_burst=100000,
        connections_per_client=10000,
    )


async def bench_cluster(levels: Sequence[int], results: list[RunResult]) -> None:
    """One and two instances at each level, then the fail-over run."""
    settings = cluster_settings()
    already_running = cluster.status(settings).get("rasa-0", False)
    secrets = cluster.Secrets.load_or_create(settings.state_dir)
    db_url = (
        f"postgresql://rasa:{secrets.tracker_db_password}"
        f"@127.0.0.1:{settings.postgres_port}/rasa"
    )
    url = f"http://127.0.0.1:{settings.nginx_port}/webhooks/rest/webhook"
    try:
        cluster.start_cluster(settings)
        for instances in (1, 2):
            cluster.start_nginx(settings, instances=range(instances))
            await run_load(url, "warm-up", 4, token=secrets.rest_token)
            for level in levels:
                result, people = await run_load(
                    url,
                    f"cluster, {instances} instance(s)",
                    level,
                    token=secrets.rest_token,
                )
                score_events(
                    result,
                    people,
                    count_user_events_in_store(db_url, [p.sender for p in people]),
                )
                results.append(result)
                print_row(result)

        level = 50 if 50 in levels else levels[0]

        async def kill_second_instance(live: RunResult) -> None:
            # Kill once a quarter of the messages are answered: mid-conversation for most.
            while live.answered < level * len(MESSAGES) // 4:
                await asyncio.sleep(0.05)
            cluster.stop_named("rasa-1", settings, kill=True)

        result, people = await run_load(
            url,
            "2 instances, 1 killed",
            level,
            retry_for_s=90.0,
            during=kill_second_instance,
            token=secrets.rest_token,
        )
        score_events(
            result,
            people,
            count_user_events_in_store(db_url, [p.sender for p in people]),
        )
        results.append(result)
        print_row(result)
    finally:
        if already_running:
            cluster.start_rasa_instance(settings, secrets, 1)
            cluster.start_nginx(settings, instances=range(settings.instances))
        else:
            cluster.stop_cluster(settings)


def ensure_baseline_model(baseline_dir: Path) -> Path:
    """Train the `rasa init --no-prompt` assistant once; return its model."""
    models = sorted((baseline_dir / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    baseline_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(cluster.VENV_BIN / "rasa"), "init", "--no-prompt"],
        cwd=baseline_dir,
        check=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    return max((baseline_dir / "models").glob("*.tar.gz"))


async def bench_baseline(
    baseline_dir: Path, levels: Sequence[int], results: list[RunResult]
) -> None:
    """The same client against a bare `rasa init` assistant on one port."""
    model = ensure_baseline_model(baseline_dir)
    token = uuid.uuid4().hex
    settings = cluster.ClusterSettings(
        state_dir=REPO / "var" / "bench" / "baseline-run"
    )
    pid = cluster.spawn(
        "baseline",
        [
            str(cluster.VENV_BIN / "rasa"),
            "run",
            "--model",
            str(model),
            "--interface",
            "127.0.0.1",
            "--port",
            str(BASELINE_PORT),
            "--enable-api",
            "--auth-token",
            token,
        ],
        settings=settings,
        env={
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONWARNINGS": "ignore",
        },
    )
    base = f"http://127.0.0.1:{BASELINE_PORT}"
    try:
        cluster.wait_http(
            f"{base}/status?token={token}", timeout=cluster.START_TIMEOUT_S, pid=pid
        )
        await run_load(f"{base}/webhooks/rest/webhook", "warm-up", 4)
        for level in levels:
            result, people = await run_load(
                f"{base}/webhooks/rest/webhook", "bare rasa init, 1 instance", level
            )
            stored = await count_user_events_via_api(
                base, token, [p.sender for p in people]
            )
            score_events(result, people, stored)
            results.append(result)
            print_row(result)
    finally:
        cluster.stop_named("baseline", settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 if any answered message was lost."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument(
        "--baseline-dir", type=Path, default=REPO / "var" / "bench" / "rasa-init"
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-cluster", action="store_true")
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the figures here"
    )
    args = parser.parse_args(argv)
    if max(args.levels) > 500:
        parser.error("levels above 500 conversations are not supported on this machine")
    cluster.install_debian_packages()
    results: list[RunResult] = []
    print(format_row(COLUMNS), flush=True)
    if not args.skip_cluster:
        asyncio.run(bench_cluster(args.levels, results))
    if not args.skip_baseline:
        asyncio.run(bench_baseline(args.baseline_dir, args.levels, results))
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.row() for r in results], indent=2))
    return 1 if any(result.lost for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
