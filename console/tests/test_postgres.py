"""The console on a PostgreSQL tracker store, as in deployments: same reading, no writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.tests.postgres import postgres_server
from console.tests.seed import seed_tracker_store
from console.tracker_store import TrackerReader, read_only_engine


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        seed_tracker_store(url)
        yield url


def test_postgres_reads_the_same_conversations_as_sqlite(
    postgres_url: str, tracker_db: Path
) -> None:
    on_postgres = TrackerReader(read_only_engine(postgres_url))
    on_sqlite = TrackerReader(read_only_engine(f"sqlite:///{tracker_db}"))
    assert on_postgres.summaries() == on_sqlite.summaries()
    sender = on_sqlite.summaries()[0].sender_id
    assert on_postgres.events(sender) == on_sqlite.events(sender)


def test_the_postgres_connection_cannot_write(postgres_url: str) -> None:
    engine = read_only_engine(postgres_url)
    with (
        pytest.raises(sa.exc.InternalError, match="read-only transaction"),
        engine.begin() as connection,
    ):
        connection.execute(sa.text("DELETE FROM events"))
    with sa.create_engine(postgres_url).connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM events")) > 0
