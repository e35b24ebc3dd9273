"""Which tracker events answer a message: the runner's reading of the tracker API."""

from __future__ import annotations

from e2e.runner import _Seen
from e2e.transcript import split_new_events
from tests.e2e.utils.events import SESSION, action, bot, user


def test_session_start_events_are_not_the_answer_to_a_message() -> None:
    before, after = split_new_events([*SESSION, user("hi"), bot("utter_greet")])
    assert [e["event"] for e in before] == ["action", "session_started", "action"]
    assert after[0]["event"] == "user"


def test_new_events_are_found_after_the_tracker_drops_an_old_session() -> None:
    """After a restart Rasa keeps only the latest session: positions shift, times do not."""
    seen = _Seen()
    first = [
        {**e, "timestamp": float(i)}
        for i, e in enumerate([*SESSION, user("restart"), bot("utter_restart")])
    ]
    assert len(seen.new(first)) == len(first)
    later_session = [
        {**action("action_session_start"), "timestamp": 10.0},
        {**user("what causes cramps?", "ask_causes"), "timestamp": 11.0},
        {**bot("utter_causes"), "timestamp": 12.0},
    ]
    fresh = seen.new(later_session)
    assert [e["event"] for e in fresh] == ["action", "user", "bot"]
    assert seen.new(later_session) == []
