"""What the assistant says when an answer calls for care: the only place escalations are said.

The level's response comes first, so an emergency reply leads with the number
(contract rule 7); then one reason per reported flag, most urgent first; then why no
remedy advice follows.
"""

from __future__ import annotations

from collections.abc import Iterable

from rasa_sdk.executor import CollectingDispatcher


def utter_escalation(
    dispatcher: CollectingDispatcher, level: str, flag_ids: Iterable[str]
) -> None:
    """Tell the person what to do for ``level``, then why, most urgent flag first."""
    dispatcher.utter_message(response=f"utter_escalate_{level}")
    for flag_id in flag_ids:
        dispatcher.utter_message(response=f"utter_reason_{flag_id}")
    dispatcher.utter_message(response="utter_escalation_no_remedy")
