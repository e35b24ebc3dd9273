"""What a failed step or assertion of a test case reports.

:mod:`e2e.checking` (steps) and :mod:`e2e.assertion_checks` (Rasa Pro assertions)
return :class:`Failure` objects; the reports (:mod:`e2e.report`) print them.
"""

from __future__ import annotations

from dataclasses import dataclass

from e2e.cases import Assertion, Step
from e2e.transcript import BotMessage


@dataclass(frozen=True)
class Failure:
    """Why a case failed: the step, what was expected and what the bot actually did."""

    step: Step | Assertion
    turn: int
    expected: str
    actual: str

    def describe(self) -> str:
        """A multi-line explanation for reports."""
        what = "assertion" if isinstance(self.step, Assertion) else "step"
        return (
            f"failed {what} in turn {self.turn} ({self.step.where}): {self.step.describe()}\n"
            f"  expected: {self.expected}\n"
            f"  actual:   {self.actual.replace(chr(10), chr(10) + '            ')}"
        )


def describe_messages(messages: list[BotMessage]) -> str:
    """The bot's messages of a turn, one a line, for a failure's ``actual``."""
    if not messages:
        return "the bot said nothing more in this turn"
    return "\n".join(f"- {m.describe()}" for m in messages)
