"""The tracker Rasa sends the action server, bounded to what the actions read.

Rasa 3.6's ``RemoteAction._action_call_format`` sends the whole tracker with every
event of the conversation on every call of the action server (while the screening
is open, ``action_record_red_flags`` runs on every message). At turn 200 of one
conversation that is about two thousand events turned into dicts and JSON on each
call, the largest part of a turn that still grows with the conversation (README,
"Performance").

Here the request is built as Rasa builds it, the same keys and the same values
(slots, latest message, active loop, the domain…), except that ``events`` holds:

- the tail of the conversation from its ``TAIL_USER_MESSAGES``-th latest user
  message (what a turn's validation and ``fallbacks_in_a_row`` read);
- extended back, while a loop is active, to that loop's latest activation (what
  ``times_asked`` and ``is_form_starting`` read: the whole of the form's run);
- and, before them in their order, every earlier ``active_loop`` event
  (``was_form_active_before``: whether the screening ran earlier).

The actions' readers (``actions/screening.py``, ``actions/fallback.py``) and
rasa-sdk's ``slots_to_validate`` give the same answers on it as on the whole tracker:
``tests/stores/test_action_tracker.py`` checks them at every step of long
conversations. Slot values do not come from events but from the tracker's current
slots, so they are complete.

:func:`install` puts it in place; the project's lock stores call it when Rasa
creates them from ``endpoints.yml``, beside ``stores/action_replies.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

logger = logging.getLogger(__name__)

# fallbacks_in_a_row decides on two misunderstood messages in a row; five keeps a
# margin and the whole of a turn's events.
TAIL_USER_MESSAGES = 5


def window_start(events: Sequence[Event], active_loop: str | None) -> int:
    """Index of the first event sent in the tail (0 sends everything)."""
    users = 0
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered):
            users += 1
            if users >= TAIL_USER_MESSAGES:
                return _back_to_activation(events, index, active_loop)
    return 0


def _back_to_activation(
    events: Sequence[Event], start: int, active_loop: str | None
) -> int:
    """``start``, or the active loop's latest activation if that is earlier."""
    if not active_loop:
        return start
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActiveLoop) and event.name == active_loop:
            return min(start, index)
    return 0


def bounded_events(events: Sequence[Event], active_loop: str | None) -> list[Event]:
    """The events the action server gets: earlier loop events, then the tail."""
    events = list(events)  # Rasa's tracker holds a deque, slow to index in the middle
    start = window_start(events, active_loop)
    loops = [event for event in events[:start] if isinstance(event, ActiveLoop)]
    return loops + list(events[start:])


def action_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    """``RemoteAction._action_call_format`` with the bounded events."""
    tracker_state = tracker.current_state(EventVerbosity.NONE)
    active_loop = tracker.active_loop_name
    tracker_state["events"] = [
        event.as_dict() for event in bounded_events(tracker.events, active_loop)
    ]
    result: dict[str, Any] = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if (
        not self._is_selective_domain_enabled()
        or domain.does_custom_action_explicitly_need_domain(self.name())
    ):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    """Make every ``RemoteAction`` send the bounded tracker (idempotent)."""
    if RemoteAction._action_call_format is not action_call_format:
        RemoteAction._action_call_format = action_call_format
        logger.debug("The action server gets the tracker's bounded events.")
