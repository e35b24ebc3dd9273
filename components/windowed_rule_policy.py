"""Rasa's ``RulePolicy``, reading only the last states a rule can match.

On every prediction (two or three per message) Rasa's ``RulePolicy`` takes the states
of the whole session, formats and deep-copies all of them for a debug message (at any
log level), matches its rules against each of them, and turns all of them into a JSON
key when no rule applies. At turn 200 of one conversation that was 14 ms of a 78 ms
turn and most of what still grew with the conversation (README, "Turn 200 against
turn 5").

A rule is matched from the end of the conversation, one state per state of the rule,
and any state further back than the rule is long is accepted unread
(``RulePolicy._is_rule_applicable``). So this policy gives Rasa's ``RulePolicy`` only
the last states: one more than the longest key among its rules, its loops' unhappy-path
rules and its rules not in stories, plus the one state Rasa's featuriser drops before
predicting. The same rules match and the same action, events and ``hide_rule_turn``
come out; the key built when no rule applies is longer than any rule's, so it still
names none of them. From the kept past states (``stores/past_states.py``) only those
states are copied.

Training is Rasa's own, on whole trackers. Predictions are reported as ``RulePolicy``'s,
the name Rasa's story tests count memorised predictions by and the console shows::

    - name: components.windowed_rule_policy.WindowedRulePolicy
"""

from __future__ import annotations

import functools
import json
import warnings
from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import (
    RULES,
    RULES_FOR_LOOP_UNHAPPY_PATH,
    RULES_NOT_IN_STORIES,
    RulePolicy,
)
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from stores.past_states import last_past_states

# Rasa's recipe validator warns unless a policy *is* RulePolicy (``==``, not a
# subclass check), although rules, forms, restart and back work the same through a
# subclass. The one warning it gives for that is wrong here; nothing else is hidden.
warnings.filterwarnings(
    "ignore", message=r"'RulePolicy' is not included in the model's policy"
)


class _LastStates:
    """A tracker as the featuriser reads it: only its last ``count`` past states."""

    def __init__(self, tracker: DialogueStateTracker, count: int) -> None:
        self._tracker = tracker
        self._count = count

    def past_states(self, domain: Domain, **kwargs: Any) -> list[State]:
        return last_past_states(self._tracker, domain, self._count, **kwargs)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class WindowedRulePolicy(RulePolicy):
    """``RulePolicy`` predicting from the last states only (module docstring)."""

    _training = False

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Rasa's training on whole trackers, after Rasa's check against the domain."""
        # The recipe validator runs this check only for RulePolicy itself.
        self.raise_if_incompatible_with_domain(self.config, domain)
        self._training = True
        try:
            return super().train(training_trackers, domain, **kwargs)
        finally:
            self._training = False
            self.__dict__.pop("states_read", None)  # the rules are new

    @functools.cached_property
    def states_read(self) -> int:
        """How many of the last states a prediction reads (module docstring)."""
        longest = 0
        for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RULES_NOT_IN_STORIES):
            for key in self.lookup.get(name, ()):
                if key.startswith("["):
                    longest = max(longest, len(json.loads(key)))
        # one state beyond the longest key, one that the featuriser drops
        return longest + 2

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        if self._training:
            return super()._prediction_states(
                tracker, domain, use_text_for_last_user_input, rule_only_data
            )
        return super()._prediction_states(
            _LastStates(tracker, self.states_read),
            domain,
            use_text_for_last_user_input,
            rule_only_data,
        )

    def _rule_prediction(self, *args: Any, **kwargs: Any) -> PolicyPrediction:
        prediction = super()._rule_prediction(*args, **kwargs)
        prediction.policy_name = RulePolicy.__name__
        return prediction
