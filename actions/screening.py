"""Red-flag screening: recording flags from any message, the form, and its outcome.

Contract rules implemented here: 2 (every flag asked or already answered before
advice, most urgent first), 3 (unsure counts as present unless clarified when asked
once more), 4 (a volunteered flag raises the level at once) and 5 (negated mentions
are not flags; the NLU marks them with the role ``absent``).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import triage
from actions.answers import (
    REASKED_SLOT,
    TRIAGE_LEVEL_SLOT,
    current_level,
    flag_slot_updates,
    reasked_flags,
    screening_answers,
)
from actions.escalation import utter_escalation
from actions.replies import Reply, interpret_reply, is_other_request

logger = logging.getLogger(__name__)

RED_FLAG_ENTITY = "red_flag"
NOT_UNDERSTOOD_INTENT = "nlu_fallback"
# No screening question is asked a third time.
MAX_TIMES_ASKED = 2
FORM_NAME = "screening_form"


def asked_flag(tracker: Tracker) -> triage.RedFlag | None:
    """The screening item whose question is open, or ``None``."""
    if tracker.active_loop_name != FORM_NAME:
        return None
    return triage.FLAGS_BY_SLOT.get(tracker.get_slot("requested_slot") or "")


def times_asked(tracker: Tracker, slot: str) -> int:
    """How often the question for ``slot`` was asked since the screening (re)started."""
    response = f"utter_ask_{FORM_NAME}_{slot}"
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == FORM_NAME:
            break
        if event.get("event") == "bot":
            count += (event.get("metadata") or {}).get("utter_action") == response
    return count


def mentioned_flags(entities: list[dict[str, Any]]) -> dict[str, str]:
    """Map each red flag mentioned in ``entities`` to its answer value.

    Entities come from the NLU's red-flag extractor: the value is a contract flag id
    and the role is ``present``, ``absent`` or ``unsure`` (no role means present).
    Unknown ids and roles are ignored. A flag mentioned twice keeps the stronger answer.
    """
    mentions: dict[str, str] = {}
    for entity in entities:
        if entity.get("entity") != RED_FLAG_ENTITY:
            continue
        flag_id = entity.get("value")
        answer = entity.get("role") or triage.PRESENT
        if flag_id not in triage.FLAGS_BY_ID or answer not in triage.ANSWERS:
            continue
        mentions[flag_id] = triage.merge_answer(mentions.get(flag_id), answer) or answer
    return mentions


def reports_flag(tracker: Tracker) -> bool:
    """Whether the latest message reports a red flag (present or unsure)."""
    entities = (tracker.latest_message or {}).get("entities") or []
    return any(answer != triage.ABSENT for answer in mentioned_flags(entities).values())


class ActionRecordRedFlags(Action):
    """Record red flags the person mentions in any message (custom slot mapping).

    Rasa runs this after a user message (``action_extract_slots``): every one while the
    screening form is active, and outside it those whose intent a message reporting a
    flag can have (``domain/slots.yml``), so a flag volunteered at any point fills its
    screening slot and raises ``triage_level`` at once. While a screening question is
    open it also reads the message as the answer to it (:mod:`actions.replies`): a yes
    with detail is a yes, a no with anything after it is a no, and anything else that
    is not plainly another request is unsure, never dropped as "not understood".
    """

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_record_red_flags"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Return slot events for the mentioned flags, ``red_flags`` and the level."""
        message = tracker.latest_message or {}
        mentions = mentioned_flags(message.get("entities") or [])
        asked = asked_flag(tracker)
        asked_twice = False
        if asked is not None:
            intent = message.get("intent") or {}
            reply = Reply(
                text=message.get("text") or "",
                intent=intent.get("name"),
                confidence=float(intent.get("confidence") or 0.0),
                mentions=mentions,
            )
            answer = interpret_reply(asked.id, reply)
            asked_twice = times_asked(tracker, asked.slot) >= MAX_TIMES_ASKED
            if answer is None and asked_twice and not is_other_request(reply):
                # Asked twice and still no answer to it: a third question would
                # loop (class 7). A question of their own is answered instead.
                answer = triage.UNSURE
            if answer is not None:
                mentions[asked.id] = answer
        if not mentions:
            return []
        answers = screening_answers(tracker)
        events: list[EventType] = []
        reasked = reasked_flags(tracker)
        if asked is not None and asked_twice and asked.id not in reasked:
            # An unsure answer after two questions is kept and counts (rule 3).
            events.append(SlotSet(REASKED_SLOT, [*reasked, asked.id]))
        for flag_id, answer in mentions.items():
            slot = triage.FLAGS_BY_ID[flag_id].slot
            merged = triage.merge_answer(answers[slot], answer)
            if merged != answers[slot]:
                answers[slot] = merged
                events.append(SlotSet(slot, merged))
        if asked is not None and asked_twice and asked.id not in reasked:
            reasked = [*reasked, asked.id]
        counted = triage.assess(answers, reasked=reasked).confirmed
        updates = flag_slot_updates(tracker, counted)
        events += [SlotSet(slot, value) for slot, value in updates.items()]
        logger.debug("Red flags mentioned: %s", sorted(mentions))
        return events


class ActionAnswerWithoutQuestion(Action):
    """Answer a yes, a no or a "not sure" that came when no question was open.

    The classifier may read a message such as "my cramps come maybe twice a week" as
    an unsure answer although it reports a red flag. Such a message starts the
    screening, as any reported symptom does (safety beats helpfulness); one that only
    denies flags, or reports none, is told that no question was asked.
    """

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_answer_without_question"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Start the screening for a reported flag, or say no question is open."""
        if reports_flag(tracker):
            return [FollowupAction(FORM_NAME)]
        dispatcher.utter_message(response="utter_answer_without_question")
        return []


async def _validate_screen_answer(
    flag: triage.RedFlag,
    value: str | None,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> dict[str, Any]:
    """Validate the answer for one flag's screening slot.

    A first unsure answer is not kept: the question is asked once more (rule 3). When
    it answered the question just asked, the person is told that "not sure" counts as a
    yes unless they can say more; an unsure mention in their own words simply leaves
    the question to be asked in its turn. Any other answer is kept, and ``red_flags``
    and ``triage_level`` follow it.
    """
    if value not in triage.ANSWERS:
        return {flag.slot: None}
    reasked = reasked_flags(tracker)
    if value == triage.UNSURE and flag.id not in reasked:
        if tracker.get_slot("requested_slot") == flag.slot:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            dispatcher.utter_message(
                response="utter_confirm_not_understood"
                if intent == NOT_UNDERSTOOD_INTENT
                else "utter_confirm_unsure"
            )
        return {flag.slot: None, REASKED_SLOT: reasked + [flag.id]}
    answers = screening_answers(tracker)
    answers[flag.slot] = value
    counted = triage.assess(answers, reasked=reasked).confirmed
    return {flag.slot: value, **flag_slot_updates(tracker, counted)}


def is_form_starting(tracker: Tracker) -> bool:
    """Whether Rasa is validating the screening form as it starts.

    When the form starts with slots already filled, Rasa validates them with the form
    already marked active: behind this turn's slot events and the form's own action
    event, the latest event is the activation. When nothing was filled, it validates
    once more before the first question with no active form at all.
    """
    if tracker.active_loop_name != FORM_NAME:
        return True
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "slot" or (kind == "action" and event.get("name") == FORM_NAME):
            continue
        return kind == "active_loop" and event.get("name") == FORM_NAME
    return False


def was_form_active_before(tracker: Tracker) -> bool:
    """Whether the screening ran earlier in this conversation (and was stopped)."""
    activations = [
        index
        for index, event in enumerate(tracker.events)
        if event.get("event") == "active_loop" and event.get("name") == FORM_NAME
    ]
    if activations and tracker.active_loop_name == FORM_NAME:
        activations.pop()  # the activation happening now
    return bool(activations)


class ValidateScreeningForm(FormValidationAction):
    """Validates ``screening_form`` and decides which questions are still needed."""

    def name(self) -> str:
        """Name of the action in the domain."""
        return "validate_screening_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Answered slots plus the unanswered ones that could still raise the level."""
        return triage.form_slots(
            screening_answers(tracker), current_level=current_level(tracker)
        )

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Introduce the questions when the form starts, then validate as usual."""
        if is_form_starting(tracker):
            assessment = triage.assess(
                screening_answers(tracker), current_level=current_level(tracker)
            )
            if not assessment.concluded:
                dispatcher.utter_message(
                    response="utter_screening_resume"
                    if was_form_active_before(tracker)
                    else "utter_screening_intro"
                )
        return await super().run(dispatcher, tracker, domain)


# One validate_<slot> method per red flag, all sharing _validate_screen_answer; the
# form validation action finds them by name.
def _validator(flag: triage.RedFlag) -> Any:
    async def validate(
        self: ValidateScreeningForm,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return await _validate_screen_answer(flag, value, dispatcher, tracker)

    validate.__name__ = f"validate_{flag.slot}"
    validate.__doc__ = f"Validate the answer about red flag '{flag.id}'."
    return validate


for _flag in triage.RED_FLAGS:
    setattr(ValidateScreeningForm, f"validate_{_flag.slot}", _validator(_flag))


class ActionConcludeScreening(Action):
    """Fix the triage level when the screening is done, and escalate if needed.

    At ``self_care`` it says so and leaves the advice to ``action_give_remedy_advice``
    (a rule follows); above it, it tells the person what to do, how soon, and why.
    """

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_conclude_screening"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Return the ``triage_level`` (always set, so rules can follow it)."""
        assessment = triage.assess(
            screening_answers(tracker), current_level=current_level(tracker)
        )
        # Questions may remain (the form ended some other way): what is known counts,
        # with any unsure answer as a yes, and never less than that is said.
        events: list[EventType] = []
        if assessment.reported:
            events.append(SlotSet("red_flags", list(assessment.reported)))
        if assessment.escalates:
            utter_escalation(dispatcher, assessment.final_level, assessment.reported)
        else:
            dispatcher.utter_message(response="utter_screening_clear")
        events.append(SlotSet(TRIAGE_LEVEL_SLOT, assessment.final_level))
        return events


class ActionStopScreening(Action):
    """End the screening when the person asks to stop, without losing what they said.

    If an answer so far calls for care, the escalation is said anyway (safety beats
    helpfulness); an unsure answer counts as a yes here, since it cannot be clarified.
    Outside the screening a stop is only acknowledged, unless the stop message itself
    reports a flag ("stop, my chest really hurts"): then the escalation is said too.
    """

    def name(self) -> str:
        """Name of the action in the domain."""
        return "action_stop_screening"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Deactivate the form; escalate or acknowledge."""
        if tracker.active_loop_name != FORM_NAME and not reports_flag(tracker):
            dispatcher.utter_message(response="utter_stop_acknowledged")
            return []
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        assessment = triage.assess(
            screening_answers(tracker), current_level=current_level(tracker)
        )
        if assessment.escalates:
            flags, level = list(assessment.reported), assessment.final_level
            utter_escalation(dispatcher, level, flags)
            events += [SlotSet("red_flags", flags), SlotSet(TRIAGE_LEVEL_SLOT, level)]
        else:
            dispatcher.utter_message(response="utter_screening_stopped")
        return events
