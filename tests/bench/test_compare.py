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


def test_a_conversation_that_took_another_path_is_reported() -> None:
    from bench.action_calls import CONVERSATIONS, Run, problems, summary
    from e2e.stubs import ActionCall

    screening = next(c for c in CONVERSATIONS if c.name.startswith("clean screening"))
    advised = Run(
        calls=[
            ActionCall("action_session_start", None, ()),
            ActionCall("validate_screening_form", "deny", ()),
            ActionCall("action_give_remedy_advice", "deny", ("utter_remedy_stretch",)),
        ],
        latencies_ms=[10.0, 30.0, 20.0],
        seconds=0.06,
    )
    escalated = Run(
        calls=[
            ActionCall(
                "action_conclude_screening", "affirm", ("utter_escalate_urgent",)
            )
        ],
        latencies_ms=[40.0],
        seconds=0.04,
    )
    assert problems(screening, advised) == []
    assert problems(screening, escalated) == [
        "did not say utter_remedy_stretch",
        "said utter_escalate_urgent",
    ]
    figures = summary(screening, [advised, advised, escalated])
    assert figures["calls_median"] == 3
    assert (figures["calls_min"], figures["calls_max"]) == (1, 3)
    assert figures["calls_by_action_median"]["validate_screening_form"] == 1
    assert figures["message_p50_ms"] == 20.0
    assert figures["problems"] == problems(screening, escalated)
