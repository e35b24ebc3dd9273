"""Figures of one load run of ``bench/load.py`` and the table they are printed in."""

from __future__ import annotations

import collections
import dataclasses
import statistics
from collections.abc import Sequence


@dataclasses.dataclass
class RunResult:
    """Figures of one load run."""

    scenario: str
    conversations: int
    sent: int
    answered: int
    errors: int
    retries: int
    seconds: float
    latencies_ms: list[float]
    lost: int = 0
    duplicated: int = 0
    error_statuses: collections.Counter = dataclasses.field(
        default_factory=collections.Counter
    )

    def percentile(self, fraction: float) -> float:
        """Latency percentile in milliseconds (nearest rank)."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    def row(self) -> dict[str, object]:
        """The printed figures."""
        return {
            "scenario": self.scenario,
            "conv": self.conversations,
            "msgs": self.sent,
            "ok": self.answered,
            "err": self.errors,
            "retry": self.retries,
            "msg/s": round(self.answered / self.seconds, 1) if self.seconds else 0.0,
            "p50 ms": round(self.percentile(0.50)),
            "p95 ms": round(self.percentile(0.95)),
            "p99 ms": round(self.percentile(0.99)),
            "mean ms": round(statistics.fmean(self.latencies_ms))
            if self.latencies_ms
            else 0,
            "lost": self.lost,
            "dup": self.duplicated,
        }


COLUMNS = (
    "scenario",
    "conv",
    "msgs",
    "ok",
    "err",
    "retry",
    "msg/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "mean ms",
    "lost",
    "dup",
)
WIDTHS = (28, 5, 5, 5, 4, 5, 7, 7, 7, 7, 7, 5, 4)


def format_row(values: Sequence[object]) -> str:
    """One table line."""
    cells = [str(values[0]).ljust(WIDTHS[0])]
    cells += [
        str(value).rjust(width)
        for value, width in zip(values[1:], WIDTHS[1:], strict=True)
    ]
    return " ".join(cells)


def print_row(result: RunResult) -> None:
    """Print one result as it comes (progress)."""
    print(format_row(list(result.row().values())), flush=True)


def print_table(results: Sequence[RunResult]) -> None:
    """Print all results as a table."""
    print()
    print(format_row(COLUMNS))
    print("-" * (sum(WIDTHS) + len(WIDTHS) - 1))
    for result in results:
        print(format_row(list(result.row().values())))
    for result in results:
        if result.error_statuses:
            print(
                f"errors in '{result.scenario}' x{result.conversations}: {dict(result.error_statuses)}"
            )
