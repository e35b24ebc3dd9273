"""The audit log's chain: normal use keeps it intact, any change to the stored rows shows."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from console import audit_chain, audit_log, audit_verification, store
from console.settings import Settings
from console.tests.forgery import run_sql, seal_again
from console.tests.seed import recorded_conversations
from console.tests.web import AUDIT_KEY, hidden_csrf, sign_in

KEY = AUDIT_KEY.encode()
SENDERS = [c["sender_id"] for c in recorded_conversations()]


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    """A console database with six entries: #2 and #4 name conversations."""
    engine = store.own_engine(f"sqlite:///{tmp_path / 'console.db'}")
    store.migrate(engine, audit_key=KEY)
    for action, sender in [
        ("login", None),
        ("view_transcript", SENDERS[0]),
        ("review_concern", None),
        ("view_transcript", SENDERS[1]),
        ("export_audit", None),
        ("logout", None),
    ]:
        audit_log.audit(
            engine,
            audit_key=KEY,
            action=action,
            username="ann",
            sender_id=sender,
            client="10.0.0.7",
        )
    return engine


def broken_at(engine: sa.Engine) -> int | None:
    """The first entry the chain reports broken (None when intact)."""
    return audit_log.verify_audit(engine, audit_key=KEY).first_broken


def test_a_fresh_log_is_intact(engine: sa.Engine) -> None:
    report = audit_log.verify_audit(engine, audit_key=KEY)
    assert report.intact and report.entries == 6 and report.last_id == 6
    assert report.summary() == "audit chain intact: 6 entries, newest #6"


SWAP_2_AND_3 = (
    "UPDATE console_audit_log SET id = 100 WHERE id = 2",
    "UPDATE console_audit_log SET id = 2 WHERE id = 3",
    "UPDATE console_audit_log SET id = 3 WHERE id = 100",
)


@pytest.mark.parametrize(
    ("statements", "first_broken"),
    [
        (["UPDATE console_audit_log SET detail = 'nothing' WHERE id = 3"], 3),
        (["UPDATE console_audit_log SET username = 'bob' WHERE id = 2"], 2),
        (["UPDATE console_audit_log SET action = 'login' WHERE id = 5"], 5),
        (["UPDATE console_audit_log SET at = at - 3600 WHERE id = 4"], 4),
        ([f"UPDATE console_audit_log SET sender_id = '{SENDERS[2]}' WHERE id = 4"], 4),
        (["DELETE FROM console_audit_log WHERE id = 3"], 4),
        (["DELETE FROM console_audit_log WHERE id = 1"], 2),
        (["DELETE FROM console_audit_log WHERE id = 6"], 6),
        (["DELETE FROM console_audit_log WHERE id >= 5"], 5),
        (SWAP_2_AND_3, 2),
        (["UPDATE console_audit_log SET at = 0 WHERE id = 6"], 6),
        (["UPDATE console_audit_head SET entries = 5, last_id = 5"], 7),
        (["DELETE FROM console_audit_head"], 7),
    ],
    ids=[
        "edit-detail",
        "edit-who",
        "edit-action",
        "edit-time",
        "edit-conversation",
        "delete-middle",
        "delete-first",
        "delete-newest",
        "delete-newest-two",
        "reorder",
        "edit-newest",
        "edit-head",
        "delete-head",
    ],
)
def test_a_change_to_the_stored_log_is_found_at_its_first_entry(
    engine: sa.Engine, statements: list[str], first_broken: int
) -> None:
    run_sql(engine, *statements)
    assert broken_at(engine) == first_broken


def test_a_conversation_id_removed_outside_forgetting_is_found(
    engine: sa.Engine,
) -> None:
    """Hiding which conversation was read, by posing as a forgetting, shows."""
    run_sql(
        engine,
        "UPDATE console_audit_log SET sender_id = NULL, sender_salt = NULL WHERE id = 2",
    )
    report = audit_log.verify_audit(engine, audit_key=KEY)
    assert report.first_broken == 2
    assert "outside a recorded forgetting" in report.reason


def test_a_log_sealed_again_without_the_key_is_found(engine: sa.Engine) -> None:
    """Whoever can write the tables but lacks the key cannot re-seal an edited log.

    With a plain hash chain this forgery would pass: it is sealed consistently, only
    with another key.
    """
    run_sql(engine, "UPDATE console_audit_log SET detail = 'edited' WHERE id = 3")
    forged_key = b"a guess at the key, 32 characters long"
    seal_again(engine, forged_key)
    assert audit_log.verify_audit(engine, audit_key=forged_key).intact
    assert broken_at(engine) == 1


def test_forgetting_a_deleted_conversation_keeps_the_chain_intact(
    engine: sa.Engine,
) -> None:
    store.add_review(
        engine, sender_id=SENDERS[0], username="ann", status="concern", note="n"
    )
    assert store.forget_conversations(engine, SENDERS[1:], audit_key=KEY) == 1
    entries = {e.id: e for e in audit_log.audit_entries(engine)}
    assert entries[2].sender_id is None and entries[2].sender_salt is None
    assert entries[4].sender_id == SENDERS[1]
    assert entries[7].action == audit_chain.FORGOTTEN
    assert entries[7].detail == "reviews dropped: 1; audit entries redacted: 2"
    assert broken_at(engine) is None
    audit_log.audit(engine, audit_key=KEY, action="login", username="ann")
    assert broken_at(engine) is None


def append_from_threads(url: str, *, threads: int, each: int) -> None:
    """Append entries from several threads, each with its own engine (as processes do)."""
    failures: list[BaseException] = []

    def work(name: str) -> None:
        own = store.own_engine(url)
        try:
            for _ in range(each):
                audit_log.audit(own, audit_key=KEY, action="login", username=name)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            own.dispose()

    workers = [
        threading.Thread(target=work, args=(f"user{n}",)) for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []


def test_appends_from_several_processes_at_once_keep_one_chain(
    console_database_url: str,
) -> None:
    """Appends lock the head, so no two entries are sealed to the same predecessor."""
    url = console_database_url
    store.migrate(store.own_engine(url), audit_key=KEY)
    append_from_threads(url, threads=4, each=15)
    report = audit_log.verify_audit(store.own_engine(url), audit_key=KEY)
    assert report.intact and report.entries == 60


def test_verifying_while_others_append_finds_no_break(
    console_database_url: str,
) -> None:
    """The entries and the head are read as of one moment, however busy the log is.

    Read one after the other, an append in between made the head run ahead of the
    entries: the log looked cut back (in about half of the checks on SQLite).
    """
    url = console_database_url
    engine = store.own_engine(url)
    store.migrate(engine, audit_key=KEY)
    done = threading.Event()

    def append_until_done() -> None:
        own = store.own_engine(url)
        while not done.is_set():
            audit_log.audit(own, audit_key=KEY, action="login", username="ann")
            time.sleep(0.002)
        own.dispose()

    writer = threading.Thread(target=append_until_done)
    writer.start()
    reports: list[audit_verification.ChainReport] = []
    try:
        # At least 40 checks, and on until the writer has appended ten entries
        # meanwhile: a busy machine may starve it for a while (a minute at most).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            reports.append(audit_log.verify_audit(engine, audit_key=KEY))
            grown = reports[-1].entries - reports[0].entries
            if len(reports) >= 40 and grown >= 10:
                break
    finally:
        done.set()
        writer.join()
    assert [r.reason for r in reports if not r.intact] == []
    assert reports[-1].entries >= reports[0].entries + 10
    engine.dispose()


def use_the_console(client: TestClient, settings: Settings) -> None:
    """Everything staff do that is audited: logins, views, reviews, exports, logout."""
    sign_in(client, "nobody", "wrong password")
    sign_in(client, "ann")
    client.get(f"/conversations/{SENDERS[0]}")
    token = hidden_csrf(client.get("/").text)
    client.post(
        f"/conversations/{SENDERS[0]}/review",
        data={"csrf_token": token, "status": "concern", "note": "check the wording"},
    )
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "root")
    client.get("/admin/audit.csv")


def test_normal_use_keeps_the_chain_intact_and_the_page_says_so(
    client: TestClient, settings: Settings, tracker_db: Path
) -> None:
    from console.app import forget_deleted
    from console.tracker_store import TrackerReader, read_only_engine

    use_the_console(client, settings)
    with sqlite3.connect(tracker_db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = ?", (SENDERS[0],))
    own = store.own_engine(settings.database_url)
    reader = TrackerReader(read_only_engine(settings.tracker_url))
    assert forget_deleted(own, reader, audit_key=settings.audit_key) == 1
    report = audit_log.verify_audit(own, audit_key=settings.audit_key)
    assert report.intact and report.entries == 8
    page = client.get("/admin/audit").text
    assert 'id="chain" role="status">Chain intact: 8 entries' in page
    assert "conversation deleted" in page


def test_the_page_names_the_first_broken_entry(
    client: TestClient, settings: Settings
) -> None:
    use_the_console(client, settings)
    run_sql(
        store.own_engine(settings.database_url),
        "UPDATE console_audit_log SET username = 'someone else' WHERE id = 3",
    )
    page = client.get("/admin/audit").text
    assert 'id="chain" role="alert">Chain broken at entry #3:' in page


def test_the_command_reports_the_chain_and_fails_when_it_is_broken(
    engine: sa.Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from console.__main__ import main

    monkeypatch.setenv("CONSOLE_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("CONSOLE_TRACKER_URL", settings.tracker_url)
    monkeypatch.setenv("CONSOLE_AUDIT_KEY", AUDIT_KEY)
    caplog.set_level(logging.INFO, logger="console")
    assert main(["verify-audit"]) == 0
    assert "audit chain intact: 6 entries, newest #6" in caplog.text
    run_sql(engine, "DELETE FROM console_audit_log WHERE id = 4")
    assert main(["verify-audit"]) == 1
    assert "audit chain broken at entry #5" in caplog.text


def test_an_empty_key_is_refused(tmp_path: Path) -> None:
    engine = store.own_engine(f"sqlite:///{tmp_path / 'console.db'}")
    with pytest.raises(ValueError, match="CONSOLE_AUDIT_KEY"):
        store.migrate(engine, audit_key=b"")
