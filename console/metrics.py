"""The overview's figures and the conversation list's filters, from summaries.

Days are UTC calendar days of a conversation's first message. Every figure counts
conversations except the fallback rate, which is turns the assistant did not understand
over all the people's turns.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from console.conversations import LEVELS, Summary

FUNNEL_STEPS = ("started", "concluded", "advice", "escalation", "stopped")
"""Screening funnel: started → concluded → advice / escalation, or stopped midway."""


def day_of(timestamp: float) -> str:
    """The UTC date (YYYY-MM-DD) of a Unix time."""
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).date().isoformat()


@dataclass(frozen=True)
class Filters:
    """What the list and the overview are narrowed to; empty fields do not filter."""

    date_from: str = ""
    date_to: str = ""
    channel: str = ""
    level: str = ""
    flag: str = ""
    stopped: bool = False
    needs_review: bool = False

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        """Read the filters from a request's query parameters (bad dates are ignored)."""

        def date(name: str) -> str:
            value = str(query.get(name, "")).strip()
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                return ""

        return cls(
            date_from=date("from"),
            date_to=date("to"),
            channel=str(query.get("channel", "")).strip(),
            level=str(query.get("level", "")).strip(),
            flag=str(query.get("flag", "")).strip(),
            stopped=query.get("stopped") == "1",
            needs_review=query.get("needs_review") == "1",
        )

    def keep(self, summary: Summary, *, needs_review: bool) -> bool:
        """Whether a conversation passes every filter."""
        day = day_of(summary.started_at)
        level = summary.triage_level or "unset"
        return (
            (not self.date_from or day >= self.date_from)
            and (not self.date_to or day <= self.date_to)
            and (not self.channel or summary.channel == self.channel)
            and (not self.level or level == self.level)
            and (not self.flag or self.flag in summary.red_flags)
            and (not self.stopped or summary.stopped_mid_screening)
            and (not self.needs_review or needs_review)
        )


def needs_review(summary: Summary, status: str | None) -> bool:
    """A conversation needs review when it calls for attention and nobody closed it.

    A raised concern keeps it open; only "reviewed" closes it.
    """
    return summary.needs_attention and status != "reviewed"


def _days(start: str, end: str) -> list[str]:
    """Every day from ``start`` to ``end`` (inclusive)."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [
        (first + dt.timedelta(days=n)).isoformat()
        for n in range((last - first).days + 1)
    ]


def overview(summaries: Sequence[Summary]) -> dict[str, Any]:
    """The figures the overview's charts draw, as plain JSON-ready data."""
    days = sorted({day_of(s.started_at) for s in summaries})
    day_axis = _days(days[0], days[-1]) if days else []
    channels = sorted({s.channel for s in summaries})
    per_day = {
        channel: [
            sum(
                1
                for s in summaries
                if s.channel == channel and day_of(s.started_at) == d
            )
            for d in day_axis
        ]
        for channel in channels
    }
    levels = Counter(s.triage_level or "unset" for s in summaries)
    flags = Counter(flag for s in summaries for flag in set(s.red_flags))
    funnel = {
        "started": sum(s.screening_started for s in summaries),
        "concluded": sum(
            s.screening_started and s.screening_concluded for s in summaries
        ),
        "advice": sum(s.outcome == "advice" for s in summaries),
        "escalation": sum(s.outcome == "escalation" for s in summaries),
        "stopped": sum(s.outcome == "stopped" for s in summaries),
    }
    fallback_per_day = []
    for d in day_axis:
        on_day = [s for s in summaries if day_of(s.started_at) == d]
        turns = sum(s.user_turns for s in on_day)
        fallbacks = sum(s.fallback_turns for s in on_day)
        fallback_per_day.append(round(100 * fallbacks / turns, 1) if turns else None)
    turns_total = sum(s.user_turns for s in summaries)
    escalation_times = [
        s.seconds_to_escalation
        for s in summaries
        if s.seconds_to_escalation is not None
    ]
    return {
        "conversations": len(summaries),
        "days": day_axis,
        "per_day_by_channel": per_day,
        "levels": {level: levels.get(level, 0) for level in (*LEVELS, "unset")},
        "red_flags": dict(sorted(flags.items(), key=lambda kv: (-kv[1], kv[0]))),
        "funnel": funnel,
        "fallback_rate": (
            round(100 * sum(s.fallback_turns for s in summaries) / turns_total, 1)
            if turns_total
            else 0.0
        ),
        "fallback_rate_per_day": fallback_per_day,
        "median_seconds_to_escalation": (
            round(statistics.median(escalation_times), 1) if escalation_times else None
        ),
    }


def channels_of(summaries: Iterable[Summary]) -> list[str]:
    """The channels that conversations came from, sorted."""
    return sorted({s.channel for s in summaries})
