"""The console's own database: migrations, reviews, audit log, deletion."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import audit_log, store, tables
from console.tests.seed import recorded_conversations, table_checksums
from console.tests.web import AUDIT_KEY
from console.tracker_store import TrackerReader, read_only_engine

KEY = AUDIT_KEY.encode()


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = store.own_engine(f"sqlite:///{tmp_path / 'console.db'}")
    store.migrate(engine, audit_key=KEY)
    return engine


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    engine = store.own_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert store.current_version(engine) == 0
    assert store.migrate(engine, audit_key=KEY) == [n for n, _, _ in store.MIGRATIONS]
    assert store.migrate(engine, audit_key=KEY) == []
    assert store.current_version(engine) == store.MIGRATIONS[-1][0]
    tables = set(sa.inspect(engine).get_table_names())
    assert {
        "console_users",
        "console_sessions",
        "console_reviews",
        "console_audit_log",
        "console_audit_head",
    } <= tables


def test_an_upgrade_applies_only_the_new_migrations(tmp_path: Path) -> None:
    engine = store.own_engine(f"sqlite:///{tmp_path / 'old.db'}")
    tables.schema_version.create(engine)
    first_number, _, first_step = store.MIGRATIONS[0]
    with engine.begin() as connection:
        first_step(connection, KEY)
        connection.execute(
            sa.insert(tables.schema_version).values(version=1, applied_at=0.0)
        )
    assert store.migrate(engine, audit_key=KEY) == [
        n for n, _, _ in store.MIGRATIONS if n != first_number
    ]


def test_latest_review_status_wins(engine: sa.Engine) -> None:
    store.add_review(engine, sender_id="a", username="r", status="concern", note="why?")
    store.add_review(engine, sender_id="a", username="r", status="reviewed", note="")
    store.add_review(engine, sender_id="b", username="r", status="concern", note="x")
    assert store.latest_statuses(engine) == {"a": "reviewed", "b": "concern"}
    assert [r.status for r in store.reviews_of(engine, "a")] == ["concern", "reviewed"]
    with pytest.raises(ValueError):
        store.add_review(engine, sender_id="a", username="r", status="ok", note="")


def test_audit_export_is_csv_a_spreadsheet_will_not_execute(engine: sa.Engine) -> None:
    audit_log.audit(
        engine,
        audit_key=KEY,
        action="view_transcript",
        username="ann",
        sender_id="=HYPERLINK(1)",
    )
    rows = list(csv.reader(io.StringIO(audit_log.audit_csv(engine))))
    assert rows[0] == list(audit_log.AUDIT_CSV_COLUMNS)
    assert rows[1][2:5] == ["ann", "view_transcript", "'=HYPERLINK(1)"]


def test_the_tracker_store_connection_cannot_write(tracker_db: Path) -> None:
    before = table_checksums(tracker_db)
    engine = read_only_engine(f"sqlite:///{tracker_db}")
    with pytest.raises(sa.exc.OperationalError, match="readonly"), engine.begin() as c:
        c.execute(sa.text("DELETE FROM events"))
    TrackerReader(engine).summaries()
    assert table_checksums(tracker_db) == before


def test_deleted_conversations_leave_the_console(
    tracker_db: Path, engine: sa.Engine
) -> None:
    conversations = recorded_conversations()
    gone, kept = conversations[0]["sender_id"], conversations[1]["sender_id"]
    store.add_review(engine, sender_id=gone, username="r", status="concern", note="n")
    store.add_review(engine, sender_id=kept, username="r", status="reviewed", note="")
    audit_log.audit(
        engine, audit_key=KEY, action="view_transcript", username="r", sender_id=gone
    )
    # What privacy.erasure.delete_conversation and the retention job do to Rasa's table.
    writer = sa.create_engine(f"sqlite:///{tracker_db}")
    with writer.begin() as connection:
        connection.execute(
            sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": gone}
        )
    reader = TrackerReader(read_only_engine(f"sqlite:///{tracker_db}"))
    assert gone not in {s.sender_id for s in reader.summaries()}
    assert reader.events(gone) == []
    assert store.forget_conversations(engine, reader.sender_ids(), audit_key=KEY) == 1
    assert store.latest_statuses(engine) == {kept: "reviewed"}
    assert all(e.sender_id != gone for e in audit_log.audit_entries(engine))
    assert audit_log.verify_audit(engine, audit_key=KEY).intact


def test_summaries_are_read_again_only_when_the_events_change(tracker_db: Path) -> None:
    reader = TrackerReader(read_only_engine(f"sqlite:///{tracker_db}"))
    first = reader.summaries()
    assert reader.summaries()[0] is first[0]  # unchanged table: kept
    writer = sa.create_engine(f"sqlite:///{tracker_db}")
    gone = first[-1].sender_id
    with writer.begin() as connection:
        connection.execute(
            sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": gone}
        )
    after_deletion = reader.summaries()
    assert gone not in {s.sender_id for s in after_deletion}
    with writer.begin() as connection:  # a new message of a kept conversation
        connection.execute(
            sa.text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) "
                "VALUES (:s, 'user', 2e9, :d)"
            ),
            {"s": first[0].sender_id, "d": '{"event": "user", "text": "hi"}'},
        )
    updated = next(s for s in reader.summaries() if s.sender_id == first[0].sender_id)
    assert updated.user_turns == first[0].user_turns + 1
