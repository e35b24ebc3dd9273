"""``e2e record``: a conversation's tracker events become a case that loads and passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e import record as record_module
from e2e.case_files import load_suite
from e2e.checking import check_all
from e2e.record import case_from_events, case_name, write_case
from e2e.transcript import Turn, split_new_events
from tests.e2e.utils.events import action, bot, slot, user

SESSION_STARTED = {"event": "session_started"}

EVENTS = [
    action("action_session_start"),
    SESSION_STARTED,
    slot("clinic_name", "the clinic"),
    action("action_listen"),
    user("I have a cramp"),
    action("screening_form"),
    bot("utter_ask_screening_form_screen_bruising"),
    slot("requested_slot", "screen_bruising"),
    action("action_listen"),
    user("no", "deny"),
    slot("screen_bruising", "absent"),
    slot("screen_bruising", "absent"),
    slot("triage_level", "self_care"),
    bot(None, "A reply without a response name."),
    action("action_listen"),
]


def test_each_user_message_is_followed_by_what_the_bot_did() -> None:
    case = case_from_events(EVENTS, "recorded")
    assert case["steps"] == [
        {"user": "I have a cramp"},
        {"utter": "utter_ask_screening_form_screen_bruising"},
        {"user": "no"},
        {"bot": "A reply without a response name."},
        {
            "slot_was_set": [
                {"screen_bruising": "absent"},
                {"triage_level": "self_care"},
            ]
        },
        {"triage_level": "self_care"},
    ]


def test_only_the_latest_session_is_recorded() -> None:
    earlier = [SESSION_STARTED, user("hello", "greet"), bot("utter_greet")]
    case = case_from_events(earlier + EVENTS, "recorded")
    assert case["steps"][0] == {"user": "I have a cramp"}


def test_a_recorded_case_loads_and_passes_on_the_same_conversation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "recorded.yml"
    write_case(case_from_events(EVENTS, case_name("e2e sender/1")), path)
    text = path.read_text(encoding="utf-8")
    assert '- user: "no"' in text  # quoted: YAML 1.1 readers would see false
    (case,) = load_suite([path]).cases
    assert case.name == "recorded_e2e_sender_1"
    first, rest = split_new_events(EVENTS[4:9])
    turns = [
        Turn(user=None, events=EVENTS[:4]),
        Turn(user="I have a cramp", events=EVENTS[4:9]),
        Turn(user="no", events=EVENTS[9:], slots={"triage_level": "self_care"}),
    ]
    assert first == [] and rest == EVENTS[4:9]
    assert check_all(case, turns) == []
    # The same case fails when the bot behaves differently.
    turns[2].events = [e for e in turns[2].events if e.get("name") != "triage_level"]
    turns[2].slots = {}
    assert [f.step.kind for f in check_all(case, turns)] == [
        "slot_was_set",
        "triage_level",
    ]


def test_cases_are_added_to_an_existing_file_once(tmp_path: Path) -> None:
    path = tmp_path / "recorded.yml"
    write_case(case_from_events(EVENTS, "one"), path)
    write_case(case_from_events(EVENTS, "two"), path)
    assert [c.name for c in load_suite([path]).cases] == ["one", "two"]
    with pytest.raises(ValueError, match="already has a test case 'two'"):
        write_case(case_from_events(EVENTS, "two"), path)


def _tracker_api(stored: dict[str, list[dict[str, Any]]]):
    """A stand-in for ``fetch_events``: the events Rasa stored, by conversation id."""

    async def fetch_events(url: str, conversation: str, token: str | None) -> list:
        return stored.get(conversation, [])

    return fetch_events


def test_a_conversation_is_recorded_by_its_id_as_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        record_module, "fetch_events", _tracker_api({"telegram:12345": EVENTS})
    )
    path = tmp_path / "recorded.yml"
    case = record_module.record(
        url="http://x", conversation="telegram:12345", token=None, out=path
    )
    assert case["test_case"] == "recorded_telegram_12345"
    assert [c.name for c in load_suite([path]).cases] == ["recorded_telegram_12345"]


def test_a_bare_rest_sender_is_refused_with_the_id_to_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        record_module, "fetch_events", _tracker_api({"rest:me": EVENTS})
    )
    with pytest.raises(ValueError, match="'rest:me' for the REST sender 'me'"):
        record_module.record(
            url="http://x", conversation="me", token=None, out=tmp_path / "r.yml"
        )
