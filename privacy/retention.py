"""Delete conversations whose last activity is older than the retention period.

Run it on a schedule (systemd timer, cron or the Kubernetes CronJob in ``deploy/k8s``)::

    python -m privacy.retention --days 30          # or RETENTION_DAYS=30
    python -m privacy.retention --days 30 --dry-run

A conversation is judged by its newest event: all of its events go together, so no
conversation is ever left cut in half. Deletion requests that an action server could not
finish (see ``privacy.erasure``) are completed here too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from privacy.store import (
    ERASURE_REQUESTS,
    EVENTS,
    ensure_privacy_tables,
    has_events_table,
    resolve_engine,
)

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
PENDING_REQUEST_GRACE_S = 300.0
"""A deletion request older than this is finished by the retention job."""


@dataclasses.dataclass(frozen=True)
class PurgeReport:
    """What one retention run deleted (or would delete, in a dry run)."""

    conversations: int
    events: int
    pending_requests_completed: int
    cutoff: float
    dry_run: bool


def _expired_sender_ids(engine: Engine, cutoff: float, limit: int) -> list[str]:
    """Return up to ``limit`` conversations whose newest event is older than ``cutoff``."""
    newest = sa.func.max(EVENTS.c.timestamp)
    query = (
        sa.select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(newest < cutoff)
        .order_by(EVENTS.c.sender_id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [row.sender_id for row in connection.execute(query)]


def _complete_pending_requests(engine: Engine, *, now: float, dry_run: bool) -> int:
    """Delete conversations whose in-conversation deletion request was never finished."""
    ensure_privacy_tables(engine)
    with engine.begin() as connection:
        stale = [
            row.sender_id
            for row in connection.execute(
                sa.select(ERASURE_REQUESTS.c.sender_id).where(
                    ERASURE_REQUESTS.c.requested_at < now - PENDING_REQUEST_GRACE_S
                )
            )
        ]
        if stale and not dry_run:
            connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(stale)))
            connection.execute(
                sa.delete(ERASURE_REQUESTS).where(
                    ERASURE_REQUESTS.c.sender_id.in_(stale)
                )
            )
    return len(stale)


def purge_expired_conversations(
    *,
    retention_days: float,
    db_url: str | None = None,
    engine: Engine | None = None,
    now: float | None = None,
    batch_size: int = 500,
    dry_run: bool = False,
) -> PurgeReport:
    """Delete every conversation with no event newer than ``retention_days`` days.

    Args:
        retention_days: how long a conversation is kept after its last event (> 0).
        db_url: SQLAlchemy URL of the tracker store; defaults to the environment's.
        engine: an engine to use instead of ``db_url``.
        now: the current time as a UNIX timestamp (for tests); defaults to the clock.
        batch_size: conversations deleted per transaction.
        dry_run: count what would be deleted without deleting.

    Returns:
        A ``PurgeReport`` with the counts.
    """
    if retention_days <= 0:
        raise ValueError("retention_days must be positive")
    engine = engine or resolve_engine(db_url)
    now = time.time() if now is None else now
    cutoff = now - retention_days * SECONDS_PER_DAY
    if not has_events_table(engine):
        return PurgeReport(0, 0, 0, cutoff, dry_run)

    pending = _complete_pending_requests(engine, now=now, dry_run=dry_run)
    conversations = events = 0
    if dry_run:
        expired = _expired_sender_ids(engine, cutoff, limit=2**31 - 1)
        with engine.connect() as connection:
            events = connection.execute(
                sa.select(sa.func.count())
                .select_from(EVENTS)
                .where(EVENTS.c.sender_id.in_(expired))
            ).scalar_one()
        return PurgeReport(len(expired), events, pending, cutoff, dry_run)

    while True:
        batch = _expired_sender_ids(engine, cutoff, limit=batch_size)
        if not batch:
            break
        with engine.begin() as connection:
            # Re-check inside the transaction: a conversation resumed since the
            # select above has a new event and must be kept.
            still_expired = (
                sa.select(EVENTS.c.sender_id)
                .where(EVENTS.c.sender_id.in_(batch))
                .group_by(EVENTS.c.sender_id)
                .having(sa.func.max(EVENTS.c.timestamp) < cutoff)
            )
            deleted = connection.execute(
                sa.delete(EVENTS).where(
                    EVENTS.c.sender_id.in_(still_expired.scalar_subquery())
                )
            ).rowcount
        conversations += len(batch)
        events += deleted
        if len(batch) < batch_size:
            break
    logger.info(
        "retention purge done",
        extra={"conversations": conversations, "events_deleted": events},
    )
    return PurgeReport(conversations, events, pending, cutoff, dry_run)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m privacy.retention",
        description="Delete conversations older than the retention period.",
    )
    parser.add_argument(
        "--days",
        type=float,
        default=float(os.environ["RETENTION_DAYS"])
        if os.environ.get("RETENTION_DAYS")
        else None,
        help="retention period in days (default: $RETENTION_DAYS)",
    )
    parser.add_argument(
        "--db-url",
        default=None,
        help="SQLAlchemy URL (default: $TRACKER_DB_URL or $TRACKER_DB_HOST/PORT/NAME/USER/PASSWORD)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count only, delete nothing"
    )
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="keep running: purge again every SECONDS (make run: daily)",
    )
    args = parser.parse_args(argv)
    if args.days is None:
        parser.error("give --days or set RETENTION_DAYS")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one retention purge and print its report as one JSON line."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    args = _parse_args(argv)
    while True:
        report = purge_expired_conversations(
            retention_days=args.days,
            db_url=args.db_url,
            batch_size=args.batch_size,
            dry_run=args.dry_run,
        )
        print(json.dumps(dataclasses.asdict(report)), flush=True)
        if args.every is None:
            return 0
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
