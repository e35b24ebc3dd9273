"""``WindowedRulePolicy`` predicts what Rasa's ``RulePolicy`` predicts.

Both are built from the trained model's rules (``rule_policy.json`` in
``models/hamstring.tar.gz``, with ``config.yml``'s settings) and asked for a prediction
after every event of the assistant's recorded conversations and of the long ones
made of their turns (``tests/deploy/test_past_states.py``: the form interrupted and
resumed, reverts, a restart, a new session, the turns again in the same session): the
whole ``PolicyPrediction`` must be equal (action, probabilities, events,
``hide_rule_turn``, the policy's name), on the tracker the store returns (kept past
states) and on Rasa's plain tracker. A window that leaves a rule's first state unread must be caught by the same
comparison (a decoy rule that differs from a deciding one only there).
"""

from __future__ import annotations

import copy
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker

from components.windowed_rule_policy import WindowedRulePolicy
from tests.deploy.test_past_states import CONVERSATIONS, one_tracker

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "hamstring.tar.gz"


@pytest.fixture(scope="module")
def domain() -> Domain:
    """The assistant's domain."""
    return Domain.load(str(REPO / "domain"))


@pytest.fixture(scope="module")
def lookup() -> dict[str, Any]:
    """The trained model's rules."""
    with tarfile.open(MODEL) as model:
        member = next(n for n in model.getnames() if n.endswith("/rule_policy.json"))
        file = model.extractfile(member)
        assert file is not None
        data: dict[str, Any] = json.load(file)["lookup"]
    return data


def config() -> dict[str, Any]:
    """The rule policy's settings in ``config.yml`` over Rasa's defaults."""
    policies = yaml.safe_load((REPO / "config.yml").read_text())["policies"]
    ours = next(p for p in policies if p["name"].endswith("RulePolicy"))
    settings = {k: v for k, v in ours.items() if k != "name"}
    return {**RulePolicy.get_default_config(), **settings}


def build(cls: type[RulePolicy], lookup: dict[str, Any], path: Path) -> RulePolicy:
    """A policy of class ``cls`` with the model's rules, ready to predict."""
    return cls(
        config(),
        LocalModelStorage(path),
        Resource(cls.__name__),
        ExecutionContext(GraphSchema({}), "test"),
        lookup=copy.deepcopy(lookup),
    )


@pytest.fixture()
def policies(
    lookup: dict[str, Any], tmp_path: Path
) -> tuple[RulePolicy, WindowedRulePolicy]:
    """Rasa's policy and the windowed one, with the same rules."""
    windowed = build(WindowedRulePolicy, lookup, tmp_path)
    assert isinstance(windowed, WindowedRulePolicy)
    return build(RulePolicy, lookup, tmp_path), windowed


def mismatches(
    policies: tuple[RulePolicy, WindowedRulePolicy],
    domain: Domain,
    name: str,
) -> list[str]:
    """Events after which the two policies predict differently (kept and plain)."""
    rasa_policy, windowed = policies
    found = []
    events = deserialise_events(CONVERSATIONS[name]())
    for count, tracker in enumerate(one_tracker(events, domain), start=1):
        plain = DialogueStateTracker.from_events(
            "plain", list(events[:count]), domain.slots
        )
        expected = rasa_policy.predict_action_probabilities(plain, domain)
        if windowed.predict_action_probabilities(tracker, domain) != expected:
            found.append(f"{count} (kept states)")
        if windowed.predict_action_probabilities(plain, domain) != expected:
            found.append(f"{count} (plain tracker)")
    return found


def test_the_window_is_the_longest_rule_and_two(
    policies: tuple[RulePolicy, WindowedRulePolicy], lookup: dict[str, Any]
) -> None:
    longest = max(
        len(json.loads(key))
        for rules in lookup.values()
        for key in rules
        if isinstance(key, str) and key.startswith("[")
    )
    assert policies[1].states_read == longest + 2
    # the conversations below are far longer than the window
    assert len(deserialise_events(CONVERSATIONS["long, twice"]())) > 50 * longest


@pytest.mark.parametrize("name", list(CONVERSATIONS))
def test_same_prediction_as_rasa_after_every_event(
    name: str, policies: tuple[RulePolicy, WindowedRulePolicy], domain: Domain
) -> None:
    assert mismatches(policies, domain, name) == []


def with_decoy(
    lookup: dict[str, Any], domain: Domain, tmp_path: Path
) -> tuple[dict[str, Any], str, int]:
    """The rules and a decoy, the conversation it matters in, and its length.

    The decoy is the longest rule that decides a prediction in the conversations, its
    first state changed to one that never occurs and its action to another. Only a
    policy that reads that first state tells the two apart (the decoy's key is the
    longer, so it wins when both match).
    """
    rasa_policy = build(RulePolicy, lookup, tmp_path)
    deciding: dict[str, str] = {}
    for name in ("long", "long, twice"):
        events = deserialise_events(CONVERSATIONS[name]())
        for count in range(1, len(events) + 1):
            tracker = DialogueStateTracker.from_events(
                "used", events[:count], domain.slots
            )
            _, key = rasa_policy._predict(tracker, domain)  # the rule that decided
            if key in lookup["rules"]:
                deciding.setdefault(key, name)
    key = max(deciding, key=lambda k: len(json.loads(k)))
    states = json.loads(key)
    assert len(states) >= 2, "no rule of two or more states decides"
    states[0] = {"prev_action": {"action_name": "utter_" + "never_said_" * 8}}
    other = next(a for a in lookup["rules"].values() if a != lookup["rules"][key])
    decoy = copy.deepcopy(lookup)
    decoy["rules"][json.dumps(states, sort_keys=True)] = other
    return decoy, deciding[key], len(states)


def test_a_window_shorter_than_the_rules_is_caught(
    lookup: dict[str, Any], domain: Domain, tmp_path: Path
) -> None:
    decoy, conversation, length = with_decoy(lookup, domain, tmp_path)
    policies = (
        build(RulePolicy, decoy, tmp_path),
        build(WindowedRulePolicy, decoy, tmp_path),
    )
    assert isinstance(policies[1], WindowedRulePolicy)
    assert mismatches(policies, domain, conversation) == []
    policies[1].states_read = length - 1  # the decoy's first state goes unread
    assert mismatches(policies, domain, conversation) != []


def test_predictions_keep_rasas_policy_name(
    policies: tuple[RulePolicy, WindowedRulePolicy], domain: Domain
) -> None:
    tracker = DialogueStateTracker.from_events(
        "named", deserialise_events(CONVERSATIONS["long"]()), domain.slots
    )
    assert policies[1].predict_action_probabilities(tracker, domain).policy_name == (
        "RulePolicy"
    )
