"""Rasa's past states of a conversation, kept between predictions and extended.

On every prediction (several per message) Rasa's policies ask the tracker for the
states of the whole session (``DialogueStateTracker.past_states``):
``Domain.states_for_tracker_history`` replays every applied event into a fresh tracker
(``generate_all_prior_trackers``) and computes a state before each action, RulePolicy
three to four times, MemoizationPolicy once. At turn 200 of one conversation that is
most of what the policies cost (README, "Turn 200 against turn 5").

``StatesCachingTracker`` is the tracker the store returns (``cache_states: true`` in
``endpoints.yml``, ``stores/cached_sql_tracker_store.py``): its ``past_states`` asks the
conversation's ``PastStatesCache``, which keeps what Rasa's replay reads of the tracker
before each action and the states built from it, and replays only the events it has
not seen. The result is the list Rasa would return, for every combination of
``omit_unset_slots``, ``ignore_rule_only_turns`` and ``rule_only_data``:

- the applied events (Rasa's own ``applied_events``) are compared, by identity, with
  those the cache replayed. Reverts, loop interruptions and form steps rewrite the
  last turns of the applied events, so the cache resumes from a checkpoint (the replay
  tracker before one of the last ``checkpoints`` actions) at or before the first event
  that differs, or replays from the start when there is none;
- Rasa's replay reads the user message through the ``UserUttered`` object itself, which
  ``DefinePrevUserUtteredFeaturization`` and ``EntitiesAdded`` change in place (also in
  the copies Rasa makes to run an action). Each message a kept state was built from is
  kept with what the state reads of it; a message changed since sends the cache back
  before the first state built from it;
- events whose replay is not a plain change of the fields a state reads (a story
  export, any event class Rasa does not define here), a domain other than the one the
  cache was built for, other slots, a conversation longer than ``max_turns`` actions,
  or a second thread asking at the same time: Rasa computes the states itself.

The states are built with Rasa's own ``Domain`` helpers from the same fields, in the
same order, sharing sub-states where Rasa's loop shares them, and each call returns
fresh copies (the featurisers change the states they get in place).

Copies of the tracker (``copy``, ``init_copy``, ``travel_back_in_time``, the trackers
RulePolicy and MemoizationPolicy build) are Rasa's ``DialogueStateTracker``, without the
cache; a deep copy or a pickle of the tracker gets an empty cache.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Hashable
from typing import Any

from rasa.shared.core import events as rasa_events
from rasa.shared.core.constants import (
    ACTIVE_LOOP,
    PREVIOUS_ACTION,
    RULE_ONLY_LOOPS,
    RULE_ONLY_SLOTS,
    SLOTS,
    USER,
)
from rasa.shared.core.domain import Domain, State, SubState
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import (
    AnySlotDict,
    DialogueStateTracker,
    TrackerActiveLoop,
)

# Events whose ``apply_to`` only sets the tracker fields a state is built from (slots,
# latest message and action, active loop, follow-up action) and reads nothing but
# those: the cache can replay them from a checkpoint. Exact classes, not subclasses.
# Restarts, session starts and reverts never reach the replay (``applied_events``
# removes them); any other event makes Rasa compute the states itself.
_REPLAYABLE: frozenset[type[Event]] = frozenset(
    {
        rasa_events.ActionExecuted,
        rasa_events.ActionExecutionRejected,
        rasa_events.ActiveLoop,
        rasa_events.AgentUttered,
        rasa_events.AllSlotsReset,
        rasa_events.BotUttered,
        rasa_events.ConversationPaused,
        rasa_events.ConversationResumed,
        rasa_events.DefinePrevUserUtteredFeaturization,
        rasa_events.EntitiesAdded,
        rasa_events.FollowupAction,
        rasa_events.LegacyForm,
        rasa_events.LegacyFormValidation,
        rasa_events.LoopInterrupted,
        rasa_events.ReminderCancelled,
        rasa_events.ReminderScheduled,
        rasa_events.SlotSet,
        rasa_events.UserUttered,
    }
)

# What Rasa's states read of a user message, which events change in place.
_MessageReading = tuple[Any, ...]
_ArgumentsKey = tuple[bool, bool, Hashable]


def _reading(message: UserUttered | None) -> _MessageReading:
    """What a state reads of ``message``: equal before and after means the same state."""
    if message is None:
        return (None,)
    return (
        message.text,
        message.intent_name,
        message.use_text_for_featurization,
        id(message.entities),
        len(message.entities),
    )


@dataclasses.dataclass(frozen=True)
class _Turn:
    """What ``states_for_tracker_history`` reads of the replayed tracker before an action."""

    hide_rule_turn: bool
    followup_action: str | None
    latest_action_name: str | None
    active_loop_name: str | None
    user: SubState
    slots: SubState
    unset_slots: frozenset[str]  # slots in ``slots`` never set: left out on request
    previous_action: dict[str, str] | None  # the tracker's own ``latest_action``
    active_loop: SubState


@dataclasses.dataclass
class _Checkpoint:
    """The replayed tracker before the action at ``position`` of the applied events."""

    position: int
    turns: int  # turns recorded before it
    messages: int  # message readings recorded before it
    slots: dict[str, Slot]
    latest_action: dict[str, str] | None
    latest_message: UserUttered | None
    message_reading: _MessageReading
    latest_bot_utterance: Any
    followup_action: str | None
    active_loop: TrackerActiveLoop | None
    paused: bool


@dataclasses.dataclass
class _Fold:
    """The states of one argument combination, built turn by turn as Rasa's loop does."""

    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: dict[str, Any] | None
    states: list[State] = dataclasses.field(default_factory=list)
    # before each turn: (number of states, last ML action sub-state, turn hidden)
    before: list[tuple[int, Any, bool]] = dataclasses.field(default_factory=list)
    last_ml_action: Any = None
    turn_was_hidden: bool = False

    def truncate(self, turns: int) -> None:
        """Forget the turns from ``turns`` on."""
        if turns >= len(self.before):
            return
        kept, self.last_ml_action, self.turn_was_hidden = self.before[turns]
        del self.states[kept:]
        del self.before[turns:]

    def extend(self, turns: list[_Turn]) -> None:
        """Add the states of the turns not folded in yet."""
        for turn in turns[len(self.before) :]:
            self.before.append(
                (len(self.states), self.last_ml_action, self.turn_was_hidden)
            )
            state, self.last_ml_action, self.turn_was_hidden = self.step(
                turn, self.states, self.last_ml_action, self.turn_was_hidden
            )
            if state is not None:
                self.states.append(state)

    def step(
        self, turn: _Turn, states: list[State], last_ml_action: Any, hidden: bool
    ) -> tuple[State | None, Any, bool]:
        """One pass of ``Domain.states_for_tracker_history``'s loop."""
        if self.ignore_rule_only_turns:
            if not hidden:
                last_ml_action = turn.previous_action
            if (
                not turn.followup_action
                and turn.latest_action_name != turn.active_loop_name
            ):
                hidden = turn.hide_rule_turn
            if hidden:
                return None, last_ml_action, hidden

        slots = turn.slots
        if self.omit_unset_slots and turn.unset_slots:
            slots = {k: v for k, v in slots.items() if k not in turn.unset_slots}
        state: State = Domain._clean_state(
            {
                USER: turn.user,
                SLOTS: slots,
                PREVIOUS_ACTION: turn.previous_action,
                ACTIVE_LOOP: turn.active_loop,
            }
        )
        if self.ignore_rule_only_turns:
            rule_only_slots = (self.rule_only_data or {}).get(RULE_ONLY_SLOTS) or ()
            state_slots = state.get(SLOTS, {})
            if any(slot in state_slots for slot in rule_only_slots):
                # Rasa removes them from the slots sub-state it just built
                state[SLOTS] = dict(state_slots)
            Domain._remove_rule_only_features(state, self.rule_only_data)
            if states:
                Domain._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action:
                state[PREVIOUS_ACTION] = last_ml_action
        return Domain._clean_state(state), last_ml_action, hidden

    def current(self, last: _Turn, count: int | None = None) -> list[State]:
        """Every state, the one of the current tracker (``last``) included, as copies.

        With ``count``, only the last ``count`` of them (the same copies).
        """
        states = self.states
        state, _, _ = self.step(last, states, self.last_ml_action, self.turn_was_hidden)
        if state is not None:
            states = [*states, state]
        if count is not None:
            states = states[-count:] if count > 0 else []
        return _copied(states)


def _copied(states: list[State]) -> list[State]:
    """Fresh states and sub-states, shared among themselves as the originals are."""
    copies: dict[int, SubState] = {}
    result: list[State] = []
    for state in states:
        fresh: State = {}
        for key, sub_state in state.items():
            sub_copy = copies.get(id(sub_state))
            if sub_copy is None:
                sub_copy = copies[id(sub_state)] = dict(sub_state)
            fresh[key] = sub_copy
        result.append(fresh)
    return result


def _arguments_key(
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> tuple[_ArgumentsKey, dict[str, Any] | None]:
    """The fold's key and the rule-only data it is built with (only what Rasa reads)."""
    if not ignore_rule_only_turns or not rule_only_data:
        return (bool(omit_unset_slots), bool(ignore_rule_only_turns), None), None
    slots = tuple(rule_only_data.get(RULE_ONLY_SLOTS) or ())
    loops = tuple(rule_only_data.get(RULE_ONLY_LOOPS) or ())
    hash((slots, loops))  # unhashable names: TypeError, and Rasa computes the states
    data = {RULE_ONLY_SLOTS: list(slots), RULE_ONLY_LOOPS: list(loops)}
    return (bool(omit_unset_slots), True, (slots, loops)), data


def _slot_signature(tracker: DialogueStateTracker) -> tuple[Any, ...]:
    """The tracker's slot definitions, which the replay starts from."""
    return tuple(
        (
            name,
            type(slot),
            repr(slot.initial_value),
            repr(getattr(slot, "values", None)),
            slot.influence_conversation,
        )
        for name, slot in tracker.slots.items()
    )


@dataclasses.dataclass(frozen=True)
class _AppliedSnapshot:
    """``applied_events`` of the events before ``position`` (a user message)."""

    position: int
    applied: tuple[Event, ...]
    loop_names: frozenset[str]  # of the ActiveLoop events before ``position``


class _AppliedEvents:
    """Rasa's ``applied_events`` of one conversation, extended with each new event.

    Rasa's loop over the events keeps a list that reverts and form steps shorten from
    its end, and treats an action as a loop's if an ``ActiveLoop`` event anywhere in the
    tracker names it. The list is kept for the events seen, and before each of the last
    ``snapshots`` user messages; a tracker whose events start with the same objects and
    whose events name the same loops goes on from there with Rasa's own steps.
    """

    def __init__(self, snapshots: int) -> None:
        self.snapshots = snapshots
        self.events: list[Event] = []  # the events folded, in order
        self.applied: list[Event] = []  # Rasa's list for them
        self.loop_names: frozenset[str] = frozenset()  # of every event, as Rasa takes
        self.seen_loop_names: frozenset[str] = frozenset()  # of ``events``
        self.kept: list[_AppliedSnapshot] = []

    def of(self, tracker: DialogueStateTracker) -> list[Event]:
        """``tracker.applied_events()``, as a new list."""
        events = list(tracker.events)
        same = _same_prefix(self.events, events)
        start: _AppliedSnapshot | None = None
        if same == len(self.events):
            names_before = self.seen_loop_names
            begin = same
        else:
            start = next(
                (kept for kept in reversed(self.kept) if kept.position <= same), None
            )
            names_before = start.loop_names if start else frozenset()
            begin = start.position if start else 0
        loop_names = names_before | _loop_names(events[begin:])
        if loop_names != self.loop_names:
            start, begin, names_before = None, 0, frozenset()
            self.loop_names = loop_names
            self.kept = []
        if begin < len(self.events):
            self.applied = list(start.applied) if start else []
            self.kept = [kept for kept in self.kept if kept.position <= begin]
        self._fold(tracker, events, begin, names_before)
        return list(self.applied)

    def _fold(
        self,
        tracker: DialogueStateTracker,
        events: list[Event],
        begin: int,
        names_before: frozenset[str],
    ) -> None:
        """``DialogueStateTracker.applied_events``'s loop over ``events[begin:]``."""
        applied = self.applied
        names = set(names_before)
        messages = [
            position
            for position in range(begin, len(events))
            if isinstance(events[position], UserUttered)
        ]
        snapshot_at = set(messages[-self.snapshots :])
        for position in range(begin, len(events)):
            event = events[position]
            if position in snapshot_at and (
                not self.kept or self.kept[-1].position != position
            ):
                self.kept.append(
                    _AppliedSnapshot(position, tuple(applied), frozenset(names))
                )
            if isinstance(event, rasa_events.ActiveLoop) and event.name:
                names.add(event.name)
            if isinstance(event, (rasa_events.Restarted, rasa_events.SessionStarted)):
                applied = []
            elif isinstance(event, rasa_events.ActionReverted):
                DialogueStateTracker._undo_till_previous(
                    rasa_events.ActionExecuted, applied
                )
            elif isinstance(event, rasa_events.UserUtteranceReverted):
                DialogueStateTracker._undo_till_previous(UserUttered, applied)
                DialogueStateTracker._undo_till_previous(
                    rasa_events.ActionExecuted, applied
                )
            elif (
                isinstance(event, rasa_events.ActionExecuted)
                and event.action_name in self.loop_names
                and not tracker._first_loop_execution_or_unhappy_path(
                    event.action_name, applied
                )
            ):
                DialogueStateTracker._undo_till_previous_loop_execution(
                    event.action_name, applied
                )
            else:
                applied.append(event)
        del self.kept[: -self.snapshots]
        self.applied = applied
        self.events = events
        self.seen_loop_names = frozenset(names)


def _same_prefix(kept: list[Event], events: list[Event]) -> int:
    """How many first events of ``events`` are the very objects of ``kept``."""
    same = 0
    for kept_event, event in zip(kept, events, strict=False):
        if kept_event is not event:
            break
        same += 1
    return same


def _loop_names(events: list[Event]) -> frozenset[str]:
    """The loops ``ActiveLoop`` events among ``events`` name."""
    return frozenset(
        event.name
        for event in events
        if isinstance(event, rasa_events.ActiveLoop) and event.name
    )


class PastStatesCache:
    """One conversation's past states, extended with each new event (module docstring)."""

    def __init__(
        self, *, max_turns: int = 1000, checkpoints: int = 24, max_arguments: int = 8
    ) -> None:
        """Create an empty cache.

        Args:
            max_turns: actions kept; beyond, Rasa computes the states itself.
            checkpoints: the replay is kept before each of this many last actions.
            max_arguments: argument combinations kept.
        """
        self.max_turns = max_turns
        self.checkpoints = checkpoints
        self.max_arguments = max_arguments
        self._lock = threading.Lock()
        self._applied_events = _AppliedEvents(snapshots=6)
        self._reset(None, ())

    def __deepcopy__(self, memo: dict[int, Any]) -> PastStatesCache:
        """An empty cache with the same bounds (a copied tracker has other events)."""
        return _empty_cache(self.max_turns, self.checkpoints, self.max_arguments)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as an empty cache with the same bounds."""
        return (_empty_cache, (self.max_turns, self.checkpoints, self.max_arguments))

    def _reset(self, domain: Domain | None, slot_signature: tuple[Any, ...]) -> None:
        """Forget everything; the next call replays from the start."""
        self._domain = domain
        self._slot_signature = slot_signature
        self._applied: list[Event] = []  # the applied events replayed so far
        self._turns: list[_Turn] = []  # one per action among them
        # (first turn, message, reading): each message the turns were built from
        self._messages: list[tuple[int, UserUttered | None, _MessageReading]] = []
        self._checkpoints: list[_Checkpoint] = []
        self._replay: DialogueStateTracker | None = None  # after ``_applied``
        self._end_reading: _MessageReading = (None,)  # of its latest message, then
        self._folds: dict[_ArgumentsKey, _Fold] = {}

    def turns(self) -> int:
        """How many actions' states are kept."""
        return len(self._turns)

    def states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
        count: int | None = None,
    ) -> list[State] | None:
        """``domain.states_for_tracker_history(tracker, ...)``, or ``None``: ask Rasa.

        With ``count``, only its last ``count`` states.
        """
        if isinstance(tracker.slots, AnySlotDict):
            return None
        try:
            key, data = _arguments_key(
                omit_unset_slots, ignore_rule_only_turns, rule_only_data
            )
        except TypeError:
            return None
        if not self._lock.acquire(blocking=False):
            return None
        try:
            applied = self._applied_events.of(tracker)
            if not self._catch_up(tracker, domain, applied):
                self._reset(None, ())
                return None
            fold = self._folds.get(key)
            if fold is None:
                if len(self._folds) >= self.max_arguments:
                    return None
                fold = self._folds[key] = _Fold(
                    bool(omit_unset_slots), bool(ignore_rule_only_turns), data
                )
            fold.extend(self._turns)
            assert self._replay is not None
            return fold.current(
                self._turn(domain, self._replay, hide_rule_turn=False), count
            )
        finally:
            self._lock.release()

    def applied_events(self, tracker: DialogueStateTracker) -> list[Event] | None:
        """``tracker.applied_events()``, or ``None``: ask Rasa."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._applied_events.of(tracker)
        finally:
            self._lock.release()

    def _catch_up(
        self, tracker: DialogueStateTracker, domain: Domain, applied: list[Event]
    ) -> bool:
        """Make the turns those of ``applied``; ``False`` when only Rasa can."""
        signature = _slot_signature(tracker)
        if domain is not self._domain or signature != self._slot_signature:
            self._reset(domain, signature)
        start = self._resume_point(applied)
        if start is None:
            self._reset(domain, signature)
            self._replay = tracker.init_copy()
            start = 0
        replay = self._replay
        assert replay is not None
        if any(type(event) not in _REPLAYABLE for event in applied[start:]):
            return False
        actions = [
            i
            for i in range(start, len(applied))
            if isinstance(applied[i], rasa_events.ActionExecuted)
        ]
        if len(self._turns) + len(actions) > self.max_turns:
            return False
        checkpointed = set(actions[-self.checkpoints :])
        for position in range(start, len(applied)):
            event = applied[position]
            if isinstance(event, rasa_events.ActionExecuted):
                if position in checkpointed:
                    self._checkpoint(position, replay)
                self._add_turn(domain, replay, event.hide_rule_turn)
            event.apply_to(replay)
        self._checkpoints = self._checkpoints[-self.checkpoints :]
        self._applied = list(applied)
        self._end_reading = _reading(replay.latest_message)
        return True

    def _resume_point(self, applied: list[Event]) -> int | None:
        """Where the replay can go on from (restored there), ``None``: from the start."""
        if self._replay is None:
            return None
        # the turns built from a message read differently since are stale
        valid_turns = len(self._turns)
        for first_turn, message, reading in self._messages:
            if _reading(message) != reading:
                valid_turns = first_turn
                break
        same = _same_prefix(self._applied, applied)
        if (
            same == len(self._applied)
            and valid_turns == len(self._turns)
            and _reading(self._replay.latest_message) == self._end_reading
        ):
            return same  # nothing changed: go on from the end
        for checkpoint in reversed(self._checkpoints):
            if (
                checkpoint.position <= same
                and checkpoint.turns <= valid_turns
                and _reading(checkpoint.latest_message) == checkpoint.message_reading
            ):
                self._restore(checkpoint)
                return checkpoint.position
        return None

    def _add_turn(
        self, domain: Domain, replay: DialogueStateTracker, hide_rule_turn: bool
    ) -> None:
        """Keep what Rasa's loop reads of ``replay`` before the next action."""
        message = replay.latest_message
        reading = _reading(message)
        if (
            not self._messages
            or self._messages[-1][1] is not message
            or self._messages[-1][2] != reading
        ):
            self._messages.append((len(self._turns), message, reading))
        self._turns.append(self._turn(domain, replay, hide_rule_turn=hide_rule_turn))

    def _checkpoint(self, position: int, replay: DialogueStateTracker) -> None:
        """Keep the replay as it is before the action at ``position``."""
        self._checkpoints.append(
            _Checkpoint(
                position=position,
                turns=len(self._turns),
                messages=len(self._messages),
                slots={name: copy.copy(slot) for name, slot in replay.slots.items()},
                latest_action=replay.latest_action,
                latest_message=replay.latest_message,
                message_reading=_reading(replay.latest_message),
                latest_bot_utterance=replay.latest_bot_utterance,
                followup_action=replay.followup_action,
                active_loop=dataclasses.replace(replay.active_loop)
                if replay.active_loop
                else None,
                paused=replay.is_paused(),
            )
        )

    def _restore(self, checkpoint: _Checkpoint) -> None:
        """Put the replay back to ``checkpoint``; forget what came after it."""
        replay = self._replay
        assert replay is not None
        replay.slots = {
            name: copy.copy(slot) for name, slot in checkpoint.slots.items()
        }
        replay.latest_action = checkpoint.latest_action
        replay.latest_message = checkpoint.latest_message
        replay.latest_bot_utterance = checkpoint.latest_bot_utterance
        replay.followup_action = checkpoint.followup_action
        replay.active_loop = (
            dataclasses.replace(checkpoint.active_loop)
            if checkpoint.active_loop
            else None
        )
        replay._paused = checkpoint.paused
        del self._applied[checkpoint.position :]
        del self._turns[checkpoint.turns :]
        del self._messages[checkpoint.messages :]
        self._checkpoints = [
            kept for kept in self._checkpoints if kept.position < checkpoint.position
        ]
        for fold in self._folds.values():
            fold.truncate(checkpoint.turns)

    @staticmethod
    def _turn(
        domain: Domain, replay: DialogueStateTracker, *, hide_rule_turn: bool
    ) -> _Turn:
        """What Rasa's loop reads of ``replay`` before an action."""
        slots = domain._get_slots_sub_state(replay, omit_unset_slots=False)
        return _Turn(
            hide_rule_turn=hide_rule_turn,
            followup_action=replay.followup_action,
            latest_action_name=replay.latest_action_name,
            active_loop_name=replay.active_loop_name,
            user=domain._get_user_sub_state(replay),
            slots=slots,
            unset_slots=frozenset(
                name for name in slots if not replay.slots[name].has_been_set
            ),
            previous_action=domain._get_prev_action_sub_state(replay),
            active_loop=domain._get_active_loop_sub_state(replay),
        )


def _empty_cache(
    max_turns: int, checkpoints: int, max_arguments: int
) -> PastStatesCache:
    """An empty cache (what a pickled one becomes)."""
    return PastStatesCache(
        max_turns=max_turns, checkpoints=checkpoints, max_arguments=max_arguments
    )


class StatesCachingTracker(DialogueStateTracker):
    """Rasa's tracker whose ``past_states`` come from its conversation's cache."""

    states_cache: PastStatesCache | None = None

    def applied_events(self) -> list[Event]:
        """Rasa's applied events, those of the kept events extended (module doc)."""
        if self.states_cache is not None:
            applied = self.states_cache.applied_events(self)
            if applied is not None:
                return applied
        return super().applied_events()

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        """Rasa's past states, the kept ones extended by the new events (module doc)."""
        if self.states_cache is not None:
            states = self.states_cache.states(
                self,
                domain,
                omit_unset_slots=omit_unset_slots,
                ignore_rule_only_turns=ignore_rule_only_turns,
                rule_only_data=rule_only_data,
            )
            if states is not None:
                return states
        return super().past_states(
            domain,
            omit_unset_slots=omit_unset_slots,
            ignore_rule_only_turns=ignore_rule_only_turns,
            rule_only_data=rule_only_data,
        )


def last_past_states(
    tracker: DialogueStateTracker,
    domain: Domain,
    count: int,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """``tracker.past_states(...)[-count:]``, copying only those from the cache."""
    if count <= 0:
        return []
    if isinstance(tracker, StatesCachingTracker) and tracker.states_cache is not None:
        states = tracker.states_cache.states(
            tracker,
            domain,
            omit_unset_slots=omit_unset_slots,
            ignore_rule_only_turns=ignore_rule_only_turns,
            rule_only_data=rule_only_data,
            count=count,
        )
        if states is not None:
            return states
    return tracker.past_states(
        domain,
        omit_unset_slots=omit_unset_slots,
        ignore_rule_only_turns=ignore_rule_only_turns,
        rule_only_data=rule_only_data,
    )[-count:]
