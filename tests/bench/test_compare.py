"""The benchmark's own arithmetic and the servers' configuration it writes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from bench import bots, client
from bench.profile import shares


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert client.percentile(values, 0.5) == 51.0  # rank round(0.5 * 99) = 50
    assert client.percentile(values, 0.95) == 95.0
    assert client.percentile([3.0], 0.95) == 3.0
    assert math.isnan(client.percentile([], 0.5))


def test_latency_around_a_turn_is_the_median_of_its_window() -> None:
    latencies = [100.0] * 205
    latencies[2:7] = [1.0, 2.0, 30.0, 4.0, 5.0]  # turns 3 to 7
    assert client.around(latencies, 5) == 4.0
    assert client.around(latencies, 200) == 100.0


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_the_assistant_runs_with_make_runs_endpoints(
    store: str, tmp_path: Path
) -> None:
    made = yaml.safe_load((bots.REPO / "endpoints.yml").read_text())
    bot = bots.Bot("assistant", store)
    written = yaml.safe_load(bots.assistant_endpoints(bot, tmp_path).read_text())
    assert written["action_endpoint"]["url"].endswith(f":{bots.ACTIONS_PORT}/webhook")
    assert written["action_endpoint"]["token"] == made["action_endpoint"]["token"]
    assert written.get("lock_store") == made.get("lock_store")
    if store == "memory":
        assert "tracker_store" not in written
    else:
        assert written["tracker_store"]["dialect"] == "sqlite"
        assert written["tracker_store"]["db"] == str(tmp_path / "conversations.db")


def test_an_earlier_revisions_endpoints_can_be_run(tmp_path: Path) -> None:
    bot = bots.Bot("assistant", "memory", "HEAD")
    assert bot.label == "assistant@HEAD, memory"
    written = yaml.safe_load(bots.assistant_endpoints(bot, tmp_path).read_text())
    assert "action_endpoint" in written


def test_profile_shares_count_each_sample_once_per_part(tmp_path: Path) -> None:
    collapsed = tmp_path / "stacks.txt"
    collapsed.write_text(
        "main (x.py:1);validate (jsonschema/validators.py:2);iter (jsonschema/a.py:3) 3\n"
        "main (x.py:1);save (rasa/core/tracker_store.py:9) 1\n"
    )
    total, parts = shares(collapsed)
    assert total == 4
    assert parts["jsonschema (checking action replies)"] == 0.75
    assert parts["tracker store: save"] == 0.25
