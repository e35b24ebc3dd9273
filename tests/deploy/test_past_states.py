"""The kept past states are the states Rasa computes, after every event.

``stores/past_states.py`` keeps each conversation's states between predictions. Each
test here builds conversations event by event, as Rasa's processor and the store
(``cache_states: true``) build them, and after every event compares the tracker's
``past_states`` and ``applied_events`` with Rasa's own
``Domain.states_for_tracker_history`` and ``applied_events`` on a fresh
``DialogueStateTracker`` holding the same events: every prefix, every combination of
``omit_unset_slots``, ``ignore_rule_only_turns`` and ``rule_only_data`` (the trained
model's, and one that removes a slot and the form), equal states and the same sharing of
sub-states among them.

The conversations are the assistant's own recorded ones
(``console/tests/fixtures/conversations.json``: the screening form activated, rejected,
completed) and long ones made of their turns with what rewrites Rasa's applied events:
the form interrupted by a question and resumed, reverted user messages and actions,
entities added, a message read by its text, a restart, a new session, a follow-up
action, a pause, slots reset, an event the cache does not replay.
``test_the_comparison_finds_stale_states`` breaks the cache on purpose and checks that
the comparison catches it.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import pickle
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.constants import RULE_ONLY_LOOPS, RULE_ONLY_SLOTS
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    DefinePrevUserUtteredFeaturization,
    Event,
    SessionStarted,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import stores.past_states
from stores.cached_sql_tracker_store import CachedSQLTrackerStore
from stores.past_states import PastStatesCache, StatesCachingTracker, last_past_states

REPO = Path(__file__).resolve().parents[2]
RECORDED = REPO / "console" / "tests" / "fixtures" / "conversations.json"
MODEL = REPO / "models" / "hamstring.tar.gz"
FORM = "screening_form"


@pytest.fixture(scope="module")
def domain() -> Domain:
    """The assistant's domain."""
    return Domain.load(str(REPO / "domain"))


@pytest.fixture(scope="module")
def model_rule_only_data() -> dict[str, Any]:
    """What the trained model passes the policies as rule-only data (its provider's file)."""
    with tarfile.open(MODEL) as model:
        member = next(
            name for name in model.getnames() if name.endswith("/rule_only_data.json")
        )
        file = model.extractfile(member)
        assert file is not None
        data: dict[str, Any] = json.load(file)
    assert set(data) == {RULE_ONLY_SLOTS, RULE_ONLY_LOOPS}
    return data


@pytest.fixture(scope="module")
def arguments(model_rule_only_data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every argument combination the policies can pass to ``past_states``."""
    removing = {
        RULE_ONLY_SLOTS: ["red_flags", "requested_slot"],
        RULE_ONLY_LOOPS: [FORM],
    }
    return [
        {
            "omit_unset_slots": omit,
            "ignore_rule_only_turns": ignore,
            "rule_only_data": data,
        }
        for omit in (False, True)
        for ignore in (False, True)
        for data in (None, model_rule_only_data, removing)
    ]


# --- the conversations -------------------------------------------------------------


def recorded() -> dict[str, list[dict[str, Any]]]:
    """The assistant's recorded conversations, by sender id (serialised events)."""
    conversations = json.loads(RECORDED.read_text())["conversations"]
    return {c["sender_id"]: c["events"] for c in conversations}


def session_start() -> list[dict[str, Any]]:
    """The events of a session start, as the assistant stores them."""
    return recorded()["rest:faq-causes"][:7]


def turns_of(sender_id: str) -> list[dict[str, Any]]:
    """A recorded conversation without its session start."""
    return recorded()[sender_id][7:]


def user(intent: str, text: str, **extra: Any) -> dict[str, Any]:
    """A user message as the assistant stores it, and its featurisation."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 0.9},
            "entities": extra.get("entities", []),
            "text": text,
        },
    }


def action(name: str, **extra: Any) -> dict[str, Any]:
    """An action the assistant ran."""
    return {"event": "action", "name": name, **extra}


def slot(name: str, value: Any) -> dict[str, Any]:
    """A slot set."""
    return {"event": "slot", "name": name, "value": value}


FEATURISED = {"event": "user_featurization", "use_text_for_featurization": False}
LISTEN = action("action_listen")


def question_inside_form() -> list[dict[str, Any]]:
    """A question while the form asks: the form rejects, answers, and resumes."""
    return [
        user("ask_causes", "why do cramps happen?"),
        {"event": "action_execution_rejected", "name": FORM},
        FEATURISED,
        action("utter_causes"),
        {"event": "bot", "text": "causes"},
        {"event": "loop_interrupted", "is_interrupted": True},
        action(FORM),
        slot("requested_slot", "screen_cold_pale_leg"),
        LISTEN,
    ]


def reverted_message() -> list[dict[str, Any]]:
    """A message the fallback takes back (``UserUtteranceReverted``)."""
    return [
        user("nlu_fallback", "asdfgh"),
        FEATURISED,
        action("action_default_fallback"),
        {"event": "bot", "text": "sorry"},
        {"event": "rewind"},
        LISTEN,
    ]


def reverted_action() -> list[dict[str, Any]]:
    """An action taken back (``ActionReverted``) and another one instead."""
    return [
        user("ask_causes", "and what causes them?"),
        FEATURISED,
        action("utter_causes", hide_rule_turn=True),
        {"event": "undo"},
        action("utter_causes"),
        LISTEN,
    ]


def message_with_added_entities_read_by_text() -> list[dict[str, Any]]:
    """Entities added to a message, which a policy read by its text."""
    return [
        user("report_symptom", "my leg is numb"),
        {
            "event": "entities",
            "entities": [{"entity": "red_flag", "value": "numbness_tingling"}],
        },
        {"event": "user_featurization", "use_text_for_featurization": True},
        action("utter_causes"),
        {"event": "followup", "name": "action_listen"},
        LISTEN,
    ]


def restart() -> list[dict[str, Any]]:
    """The person restarts the conversation."""
    return [
        user("restart", "/restart"),
        FEATURISED,
        action("action_restart"),
        {"event": "restart"},
        *session_start(),
    ]


def odd_events() -> list[dict[str, Any]]:
    """A pause, slots reset, a story export (Rasa replays it, the cache does not)."""
    return [
        user("greet", "hello"),
        FEATURISED,
        {"event": "pause"},
        action("utter_greet"),
        {"event": "resume"},
        {"event": "reset_slots"},
        {"event": "export", "path": None},
        LISTEN,
    ]


def one_session_of_turns() -> list[dict[str, Any]]:
    """Recorded turns, the form interrupted and resumed, reverts, added entities."""
    form = turns_of("web:56dfb7c1e50140d8bc91e145747739e2")
    # the answer to the third question, its form step and the next listen
    third = next(
        i for i, e in enumerate(form) if e.get("name") == "screen_cold_pale_leg"
    )
    interrupted = form[:third] + question_inside_form() + form[third:]
    return [
        *turns_of("rest:faq-causes"),
        *interrupted,
        *reverted_message(),
        *turns_of("web:68ccf15918a64a5a96ee56850a42f8c4"),
        *reverted_action(),
        *message_with_added_entities_read_by_text(),
        *turns_of("rest:stopped-after-two-questions"),
    ]


def long_conversation() -> list[dict[str, Any]]:
    """Recorded turns around the form, with everything that rewrites applied events."""
    return [
        *session_start(),
        *one_session_of_turns(),
        *restart(),
        *turns_of("web:eb8c5803529245719cb56f9e4d1a85f9"),
        *session_start(),
        *turns_of("rest:bruised-see-doctor"),
        *odd_events(),
        *turns_of("web:6baf95e8d98e4ed4949cf96358ad37d8"),
    ]


def long_conversation_twice() -> list[dict[str, Any]]:
    """The long conversation, and its turns again in the same session."""
    return long_conversation() + long_conversation()[7:]


CONVERSATIONS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    **{
        sender_id: functools.partial(lambda name: recorded()[name], sender_id)
        for sender_id in recorded()
    },
    "long": long_conversation,
    "long, twice": long_conversation_twice,
}


# --- the comparison ---------------------------------------------------------------


def sharing(states: list[State]) -> list[tuple[int, str, int, str]]:
    """Which sub-states are one object: (state, key) and the first (state, key) of it."""
    first: dict[int, tuple[int, str]] = {}
    pairs = []
    for index, state in enumerate(states):
        for key, sub_state in state.items():
            where = first.setdefault(id(sub_state), (index, key))
            pairs.append((index, key, *where))
    return pairs


def differences(
    tracker: DialogueStateTracker,
    domain: Domain,
    arguments: list[dict[str, Any]],
) -> list[str]:
    """Where the tracker's states or applied events differ from Rasa's on its events."""
    found = []
    fresh = DialogueStateTracker.from_events(
        tracker.sender_id, list(tracker.events), domain.slots
    )
    if tracker.applied_events() != fresh.applied_events():
        found.append("applied events")
    for kwargs in arguments:
        got = tracker.past_states(domain, **kwargs)
        expected = domain.states_for_tracker_history(fresh, **kwargs)
        if got != expected:
            found.append(f"states with {kwargs}")
        elif sharing(got) != sharing(expected):
            found.append(f"sharing with {kwargs}")
    return found


def cached_tracker(
    sender_id: str,
    domain: Domain,
    cache: PastStatesCache,
    events: list[Event] | None = None,
) -> StatesCachingTracker:
    """A tracker as the store returns it: Rasa's replay of the events, and the cache."""
    tracker = StatesCachingTracker.from_events(sender_id, events or [], domain.slots)
    tracker.states_cache = cache
    return tracker


def one_tracker(events: list[Event], domain: Domain) -> Iterator[StatesCachingTracker]:
    """One tracker given the events one at a time (one Rasa server, one message)."""
    tracker = cached_tracker("growing", domain, PastStatesCache())
    for event in events:
        tracker.update(event)
        yield tracker


def messages(serialised: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events cut before each user message (what one message adds)."""
    cuts = [i for i, e in enumerate(serialised) if e["event"] == "user" and i > 0]
    return [
        serialised[a:b]
        for a, b in zip([0, *cuts], [*cuts, len(serialised)], strict=True)
    ]


def store_trackers(
    serialised: list[dict[str, Any]], domain: Domain
) -> Iterator[StatesCachingTracker]:
    """A tracker per message as the store returns it, given that message's events.

    The events read from the database before a message are the objects kept from
    earlier reads, those written since new objects; the message's own events are the
    processor's. Rasa's applied events then differ from the cache's in the last turn.
    A new session is read in full, with a new cache, as the store reads it.
    """
    kept: list[Event] = []
    cache = PastStatesCache()
    for message in messages(serialised):
        tracker = cached_tracker("store", domain, cache, kept)
        for event in deserialise_events(message):
            tracker.update(event)
            yield tracker
        written = deserialise_events(message)
        if any(isinstance(event, SessionStarted) for event in written):
            starts = [i for i, e in enumerate(written) if isinstance(e, SessionStarted)]
            kept = written[starts[-1] :]
            cache = PastStatesCache()
        else:
            kept = kept + written


# --- the tests --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CONVERSATIONS))
def test_same_states_as_rasa_after_every_event(
    name: str, domain: Domain, arguments: list[dict[str, Any]]
) -> None:
    events = deserialise_events(CONVERSATIONS[name]())
    for count, tracker in enumerate(one_tracker(events, domain), start=1):
        assert differences(tracker, domain, arguments) == [], f"after {count} events"


@pytest.mark.parametrize("name", list(CONVERSATIONS))
def test_same_states_as_rasa_through_the_store(
    name: str, domain: Domain, arguments: list[dict[str, Any]]
) -> None:
    for count, tracker in enumerate(
        store_trackers(CONVERSATIONS[name](), domain), start=1
    ):
        assert differences(tracker, domain, arguments) == [], f"after {count} events"


def test_same_states_when_a_copy_changed_the_message(
    domain: Domain, arguments: list[dict[str, Any]]
) -> None:
    # Rasa runs an action on a copy with the prediction's events: the copy's
    # DefinePrevUserUtteredFeaturization changes the shared user message even when
    # the action is rejected and the event never reaches the tracker. Without that
    # event in the tracker, every later replay reads the message as changed.
    events = deserialise_events(without_featurisation(long_conversation()))
    for count, tracker in enumerate(one_tracker(events, domain), start=1):
        assert differences(tracker, domain, arguments) == [], f"after {count} events"
        if changes_message(tracker):
            change_message_in_a_copy(tracker, by_text=count % 2 == 0)
            assert differences(tracker, domain, arguments) == [], f"{count}, changed"


def without_featurisation(serialised: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events but ``DefinePrevUserUtteredFeaturization``."""
    return [event for event in serialised if event["event"] != "user_featurization"]


def change_message_in_a_copy(tracker: DialogueStateTracker, *, by_text: bool) -> None:
    """What running an action on a copy with a prediction's events does."""
    tracker.copy().update(DefinePrevUserUtteredFeaturization(by_text))


def changes_message(tracker: DialogueStateTracker) -> bool:
    """Whether a prediction on ``tracker`` would change its latest message.

    Rasa adds ``DefinePrevUserUtteredFeaturization`` to the prediction's events when
    the latest action is ``action_listen``: right after a message, and at the end of a
    turn (a prediction without a new message: an external event, the HTTP API).
    """
    last = tracker.events[-1]
    return isinstance(last, UserUttered) or (
        isinstance(last, ActionExecuted) and last.action_name == "action_listen"
    )


def test_states_changed_by_a_policy_are_not_kept(
    domain: Domain, arguments: list[dict[str, Any]]
) -> None:
    # The featurisers delete the text or the intent of the states they get.
    events = deserialise_events(long_conversation())
    for tracker in one_tracker(events, domain):
        for kwargs in arguments:
            for state in tracker.past_states(domain, **kwargs):
                state.get("user", {}).clear()
                state.pop("slots", None)
        assert differences(tracker, domain, arguments) == []


def test_only_new_events_are_replayed(
    domain: Domain, arguments: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    turn = PastStatesCache._turn

    def counting(*args: Any, **kwargs: Any) -> Any:
        built[-1] += 1
        return turn(*args, **kwargs)

    monkeypatch.setattr(PastStatesCache, "_turn", staticmethod(counting))
    serialised = session_start() + one_session_of_turns() * 6
    actions = 0
    for tracker in store_trackers(serialised, domain):
        built.append(0)
        for kwargs in arguments:
            tracker.past_states(domain, **kwargs)
        actions = sum(isinstance(e, ActionExecuted) for e in tracker.applied_events())
    # Rasa builds a state for every action at every call (over 100 at the end); the
    # cache builds the current one per call, and the new ones, or a few from a
    # checkpoint, once.
    assert actions > 100
    assert sorted(built)[len(built) // 2] == len(arguments)
    assert max(built) < len(arguments) + 10
    assert sum(built) < 0.1 * actions * len(arguments) * len(built)


def test_events_the_cache_does_not_replay_go_to_rasa(
    domain: Domain, arguments: list[dict[str, Any]]
) -> None:
    events = deserialise_events(odd_events())
    tracker = cached_tracker("odd", domain, PastStatesCache(), events)
    assert differences(tracker, domain, arguments) == []
    assert tracker.states_cache is not None
    assert tracker.states_cache.turns() == 0  # nothing kept


def test_a_long_session_goes_to_rasa(
    domain: Domain, arguments: list[dict[str, Any]]
) -> None:
    events = deserialise_events(long_conversation())
    tracker = cached_tracker("long", domain, PastStatesCache(max_turns=10), events)
    assert differences(tracker, domain, arguments) == []
    assert tracker.states_cache is not None
    assert tracker.states_cache.turns() == 0


def test_copies_are_rasas_trackers_without_the_cache(domain: Domain) -> None:
    events = deserialise_events(long_conversation())
    tracker = cached_tracker("copies", domain, PastStatesCache(), events)
    tracker.past_states(domain)
    for made in (
        tracker.copy(),
        tracker.init_copy(),
        tracker.travel_back_in_time(events[40].timestamp),
    ):
        assert type(made) is DialogueStateTracker
    for duplicate in (copy.deepcopy(tracker), pickle.loads(pickle.dumps(tracker))):
        assert duplicate.states_cache is not tracker.states_cache
        assert duplicate.states_cache is not None
        assert duplicate.states_cache.turns() == 0
        assert duplicate.past_states(domain) == tracker.past_states(domain)


def test_the_store_returns_trackers_with_the_conversations_cache(
    domain: Domain, arguments: list[dict[str, Any]], tmp_path: Path
) -> None:
    store = CachedSQLTrackerStore(
        domain, dialect="sqlite", db=str(tmp_path / "rasa.db"), cache_states=True
    )
    tracker: DialogueStateTracker = DialogueStateTracker("stored", domain.slots)
    caches = set()
    for message in messages(long_conversation()[: 7 + 60]):
        for event in deserialise_events(message):
            tracker.update(event)
            assert differences(tracker, domain, arguments) == []
        _run(store.save(tracker))
        tracker = _run(store.retrieve("stored"))
        assert isinstance(tracker, StatesCachingTracker)
        caches.add(id(tracker.states_cache))
    assert len(caches) == 1
    plain = CachedSQLTrackerStore(
        domain, dialect="sqlite", db=str(tmp_path / "rasa.db")
    )
    assert type(_run(plain.retrieve("stored"))) is DialogueStateTracker


def test_endpoints_yml_keeps_the_states(domain: Domain, tmp_path: Path) -> None:
    for endpoints in ("endpoints.yml", "deploy/endpoints.prod.yml"):
        config = yaml.safe_load((REPO / endpoints).read_text())["tracker_store"]
        assert config["cache_states"] is True
    config = yaml.safe_load((REPO / "endpoints.yml").read_text())["tracker_store"]
    config["db"] = str(tmp_path / "rasa.db")
    store = TrackerStore.create(EndpointConfig.from_dict(config), domain)
    assert isinstance(store, CachedSQLTrackerStore)
    assert store.cache_states is True


@pytest.mark.parametrize(
    "breakage",
    ["history rewritten", "message changed in place", "states shared"],
)
def test_the_comparison_finds_stale_states(
    breakage: str,
    domain: Domain,
    arguments: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The tests above could not fail if the comparison missed a cache that kept
    # states it should have rebuilt: break the cache each way and count.
    if breakage == "history rewritten":
        # take the events replayed before as still applied, whatever reverts and
        # form steps did to them
        monkeypatch.setattr(
            stores.past_states, "_same_prefix", lambda kept, events: len(kept)
        )
    elif breakage == "message changed in place":
        monkeypatch.setattr(stores.past_states, "_reading", lambda message: ())
    else:
        monkeypatch.setattr(stores.past_states, "_copied", lambda states: states)
    found = 0
    events = deserialise_events(without_featurisation(long_conversation()))
    for count, tracker in enumerate(one_tracker(events, domain), start=1):
        if breakage == "message changed in place" and changes_message(tracker):
            tracker.past_states(domain)
            change_message_in_a_copy(tracker, by_text=count % 2 == 0)
        if breakage == "states shared":
            for state in tracker.past_states(domain):
                state.pop("slots", None)
        found += bool(differences(tracker, domain, arguments))
    assert found > 0


def _run(coroutine: Any) -> Any:
    """Run a coroutine to completion."""
    return asyncio.run(coroutine)


@pytest.mark.parametrize("count", [1, 5])
def test_the_last_states_are_the_last_of_all_states(
    count: int, domain: Domain, arguments: list[dict[str, Any]]
) -> None:
    # What components/windowed_rule_policy.py reads: only the last states, copied
    # from the cache as the whole list is (equal, sharing sub-states alike).
    events = deserialise_events(long_conversation_twice())
    for number, tracker in enumerate(one_tracker(events, domain), start=1):
        plain = DialogueStateTracker.from_events(
            "plain", list(events[:number]), domain.slots
        )
        for kwargs in arguments:
            expected = tracker.past_states(domain, **kwargs)[-count:]
            for source in (tracker, plain):
                got = last_past_states(source, domain, count, **kwargs)
                assert got == expected, f"after {number} events, {kwargs}"
                assert sharing(got) == sharing(expected), f"after {number}, {kwargs}"
