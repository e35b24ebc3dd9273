"""What a run of the e2e cases found: one result per case and the suite's totals.

The reports (``e2e/report.py``) and the coverage report (``e2e/coverage.py``) read
these; the runner (``e2e/runner.py``) fills them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from channels.conversation_id import conversation_id
from e2e.cases import TestCase
from e2e.failures import Failure
from e2e.stubs import ActionCall
from e2e.transcript import Turn


@dataclass
class CaseResult:
    """The outcome of one case: its transcript and, when it failed, why."""

    case: TestCase
    sender: str
    turns: list[Turn] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    # The custom actions the stub server served for the conversation, in order.
    action_calls: list[ActionCall] = field(default_factory=list)

    @property
    def conversation_id(self) -> str:
        """Where the REST channel files the case's messages: ``rest:<sender>``."""
        return conversation_id("rest", self.sender)

    @property
    def failure(self) -> Failure | None:
        """The first failure (``None`` when every step held)."""
        return self.failures[0] if self.failures else None

    @property
    def failed_turns(self) -> set[int]:
        """Numbers of the turns with a failing step (0 = session start)."""
        return {failure.turn for failure in self.failures}

    @property
    def passed(self) -> bool:
        """Whether every step held and nothing went wrong talking to the assistant."""
        return not self.failures and self.error is None


@dataclass
class SuiteResult:
    """All case results in suite order, with the wall-clock time of the run."""

    results: list[CaseResult]
    seconds: float
    url: str
    not_run: int = 0  # cases --fail-fast left out
    skipped: list[str] = field(default_factory=list)  # stubbed cases without stubs

    @property
    def passed(self) -> int:
        """Number of passing cases."""
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        """Number of failing cases."""
        return len(self.results) - self.passed
