"""Anchors outside the database: a log cut back or rewritten with the key is found.

The chain alone cannot find these: whoever holds the key seals the changed log again
(each test first shows that the chain alone reads intact). The anchor file can, as long
as they cannot write it. Whoever can write the file without a key cannot forge an
anchor: a line not signed by the key is reported and not trusted. Each case runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from console import audit_anchor, audit_keys, audit_log, audit_verification, store
from console.app import _every
from console.settings import Settings
from console.tests.forgery import run_sql, seal_again
from console.tests.web import AUDIT_KEY, app_with_staff, sign_in

KEY = AUDIT_KEY.encode()


@pytest.fixture
def engine(console_database_url: str) -> Iterator[sa.Engine]:
    """A console database with six entries, on SQLite and on PostgreSQL."""
    engine = store.own_engine(console_database_url)
    store.migrate(engine, audit_key=KEY)
    add_entries(engine, 6)
    yield engine
    engine.dispose()


@pytest.fixture
def anchors(tmp_path: Path) -> Path:
    """Where the tests anchor the log (a folder of its own, not there yet)."""
    return tmp_path / "anchors" / "audit-anchors.log"


def add_entries(engine: sa.Engine, count: int) -> None:
    """Append ``count`` entries as the console does."""
    for _ in range(count):
        audit_log.audit(engine, audit_key=KEY, action="login", username="ann")


def verified(engine: sa.Engine, anchors: Path | None) -> audit_verification.ChainReport:
    return audit_log.verify_audit(engine, audit_key=KEY, anchor_file=anchors)


def write_line(anchors: Path, fields: dict[str, object]) -> None:
    """Append a line to the anchor file, as whoever can write it would."""
    anchors.parent.mkdir(parents=True, exist_ok=True)
    with anchors.open("a") as file:
        file.write(json.dumps(fields) + "\n")


def forged(anchor: audit_anchor.Anchor, **changes: object) -> dict[str, object]:
    """The fields of ``anchor`` changed, its signature left as it was."""
    fields = dataclasses.asdict(anchor)
    del fields["line"]
    return {**fields, **changes}


def test_anchors_are_signed_with_the_audit_key(
    engine: sa.Engine, anchors: Path
) -> None:
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    [anchor] = audit_anchor.read_anchors(anchors)
    assert anchor.key_id == audit_keys.key_id(KEY) and anchor.line == 1
    assert anchor.signature == audit_anchor.anchor_signature(KEY, anchor)
    assert json.loads(anchors.read_text())["signature"] == anchor.signature


def test_a_forged_anchor_line_is_reported_and_not_trusted(
    engine: sa.Engine, anchors: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the key, an anchor claiming a longer log cannot make it read as cut back."""
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    [anchor] = audit_anchor.read_anchors(anchors)
    write_line(anchors, forged(anchor, entries=9, last_id=9))
    write_line(anchors, forged(anchor, signature="0" * 64, last_seal="1" * 64))
    other = b"a key that is not the log's, 32+ characters"
    signed_elsewhere = dataclasses.replace(anchor, last_seal="2" * 64).signed(other)
    write_line(anchors, forged(signed_elsewhere))
    report = verified(engine, anchors)
    assert report.intact and not report.sound
    assert report.anchors == 1 and report.anchored == anchor
    mismatch = "its signature does not match: it was forged or changed"
    assert report.untrusted_anchors == (
        f"line 2: {mismatch}",
        f"line 3: {mismatch}",
        (
            f"line 4: it is signed with key {audit_keys.key_id(other)}, which is not "
            "among the keys given (CONSOLE_AUDIT_KEY and CONSOLE_AUDIT_KEYS_RETIRED)"
        ),
    )
    assert "; 3 anchors not trusted: line 2: its signature" in report.summary()
    with caplog.at_level(logging.ERROR):
        report = audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    assert report.intact and len(report.untrusted_anchors) == 3
    assert "3 anchors not trusted" in caplog.text
    assert len(audit_anchor.read_anchors(anchors)) == 5  # the intact log was anchored


def test_an_unsigned_anchor_is_not_trusted(engine: sa.Engine, anchors: Path) -> None:
    """Anchors have been signed since they were introduced: an unsigned one is forged.

    Trusted, this one would make the intact log read as rewritten up to #3.
    """
    write_line(anchors, {"at": 1.0, "entries": 3, "last_id": 3, "last_seal": "0" * 64})
    report = verified(engine, anchors)
    assert report.intact and report.anchors == 0
    assert report.untrusted_anchors == ("line 1: it is not signed",)
    with pytest.raises(ValueError, match="signed"):
        audit_anchor.anchor_line(audit_anchor.Anchor(1.0, 3, 3, "0" * 64))


def test_a_changed_anchor_is_not_trusted_and_a_true_one_still_holds(
    engine: sa.Engine, anchors: Path
) -> None:
    """Editing the one anchor of a cut-back log into one it matches does not hide the cut."""
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    [anchor] = audit_anchor.read_anchors(anchors)
    run_sql(engine, "DELETE FROM console_audit_log WHERE id >= 5")
    seal_again(engine, KEY)
    seal_4 = audit_log.verify_audit(engine, audit_key=KEY).last_seal
    anchors.write_text("")  # the true anchor kept elsewhere, e.g. by the log collector
    write_line(anchors, forged(anchor, entries=4, last_id=4, last_seal=seal_4))
    assert verified(engine, anchors).untrusted_anchors == (
        "line 1: its signature does not match: it was forged or changed",
    )
    write_line(anchors, forged(anchor))
    report = verified(engine, anchors)
    assert report.first_broken == 5 and len(report.untrusted_anchors) == 1


def test_truncation_after_anchoring_is_found(engine: sa.Engine, anchors: Path) -> None:
    assert audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors).intact
    run_sql(engine, "DELETE FROM console_audit_log WHERE id >= 5")
    seal_again(engine, KEY)
    assert verified(engine, None).intact  # the chain alone cannot tell
    report = verified(engine, anchors)
    assert report.first_broken == 5
    assert report.reason.startswith(
        "the log ends at #4, but it reached #6 (6 entries) when anchored on "
    )
    assert report.anchors == 1 and report.anchored is None


def test_a_log_cut_back_and_grown_again_is_found(
    engine: sa.Engine, anchors: Path
) -> None:
    """Entries deleted and new ones appended with the key: the anchored #6 differs."""
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    run_sql(engine, "DELETE FROM console_audit_log WHERE id >= 5")
    seal_again(engine, KEY)
    add_entries(engine, 3)
    assert verified(engine, None).intact
    report = verified(engine, anchors)
    assert report.first_broken == 1
    assert "entry #6 is not the one anchored on" in report.reason


def test_a_rewrite_is_bounded_by_the_last_anchor_it_still_matches(
    engine: sa.Engine, anchors: Path
) -> None:
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)  # at #6
    add_entries(engine, 4)
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)  # at #10
    run_sql(engine, "UPDATE console_audit_log SET username = 'bob' WHERE id = 8")
    seal_again(engine, KEY)
    assert verified(engine, None).intact
    report = verified(engine, anchors)
    assert report.first_broken == 7  # #1 to #6 are as anchored
    assert "entry #10 is not the one anchored" in report.reason
    assert report.anchored is not None and report.anchored.last_id == 6


def test_normal_use_keeps_matching_the_anchors(
    engine: sa.Engine, anchors: Path
) -> None:
    """New entries and forgetting a conversation change nothing anchored."""
    audit_log.audit(
        engine, audit_key=KEY, action="view_transcript", username="ann", sender_id="x"
    )
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    store.forget_conversations(engine, [], audit_key=KEY)
    add_entries(engine, 2)
    report = audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    assert report.intact and report.anchors == 2
    assert report.anchored is not None and report.anchored.last_id == 10
    assert [a.last_id for a in audit_anchor.read_anchors(anchors)] == [7, 10]
    summary = verified(engine, anchors).summary()
    assert summary.startswith("audit chain intact: 10 entries, newest #10; matches ")


def test_a_broken_log_is_not_anchored(engine: sa.Engine, anchors: Path) -> None:
    run_sql(engine, "UPDATE console_audit_log SET detail = 'x' WHERE id = 2")
    report = audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    assert report.first_broken == 2
    assert not anchors.exists()


def test_the_anchor_file_is_owner_only_and_an_unreadable_line_is_left_out(
    engine: sa.Engine, anchors: Path, caplog: pytest.LogCaptureFixture
) -> None:
    audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors)
    assert anchors.stat().st_mode & 0o777 == 0o600
    with anchors.open("a") as file:
        file.write('{"at": 1, "entries": \n')  # cut short when the disk filled up
    with caplog.at_level(logging.WARNING):
        assert len(audit_anchor.read_anchors(anchors)) == 1
    assert f"{anchors}:2 is not an audit anchor" in caplog.text


def test_an_empty_log_is_not_anchored(tmp_path: Path, anchors: Path) -> None:
    engine = store.own_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    store.migrate(engine, audit_key=KEY)
    assert audit_log.anchor_audit(engine, audit_key=KEY, anchor_file=anchors).intact
    assert not anchors.exists()


def test_the_console_anchors_on_start_and_shows_it(
    settings: Settings, tmp_path: Path
) -> None:
    assert settings.audit_anchor_file is not None
    client = app_with_staff(settings)
    engine = store.own_engine(settings.database_url)
    add_entries(engine, 3)
    with client:  # starting runs the first round
        sign_in(client, "root")
        page = client.get("/admin/audit").text
    [anchor] = audit_anchor.read_anchors(settings.audit_anchor_file)
    assert (anchor.entries, anchor.last_id) == (3, 3)
    assert 'id="chain" role="status">Chain intact' in page
    assert "Anchored outside the database: the log up to #3 (3 entries)" in page
    assert "Verified and anchored on start and every 15 minutes; last round" in page
    assert 'id="anchor-failed"' not in page
    assert 'id="anchor-untrusted"' not in page

    run_sql(engine, "DELETE FROM console_audit_log WHERE id > 1")
    seal_again(engine, KEY)
    client = TestClient(client.app, base_url="https://testserver")  # no new round
    sign_in(client, "root")  # entry #2, sealed to #1 as if the log had never gone on
    page = client.get("/admin/audit").text
    assert (
        'id="chain" role="alert">Chain broken at entry #3: the log ends at #2, '
        "but it reached #3 (3 entries) when anchored on "
    ) in page
    assert "No anchor in" in page


def test_a_forged_anchor_is_shown_on_the_page(settings: Settings) -> None:
    assert settings.audit_anchor_file is not None
    client = app_with_staff(settings)
    with client:
        sign_in(client, "root")  # the round on start found the log empty
        engine = store.own_engine(settings.database_url)
        audit_log.anchor_audit(
            engine, audit_key=KEY, anchor_file=settings.audit_anchor_file
        )
        [anchor] = audit_anchor.read_anchors(settings.audit_anchor_file)
        write_line(settings.audit_anchor_file, forged(anchor, last_seal="0" * 64))
        page = client.get("/admin/audit").text
    assert 'id="chain" role="status">Chain intact' in page
    assert (
        'id="anchor-untrusted" role="alert">1 anchors in the anchor file are not '
        "signed by the audit key that sealed the entry they name"
    ) in page
    assert "line 2: its signature does not match: it was forged or changed." in page


def test_an_anchor_that_cannot_be_written_is_shown(
    settings: Settings, tmp_path: Path
) -> None:
    from dataclasses import replace

    (tmp_path / "not-a-folder").write_text("")
    unwritable = replace(
        settings, audit_anchor_file=tmp_path / "not-a-folder" / "anchors.log"
    )
    with app_with_staff(unwritable) as client:
        sign_in(client, "root")
        page = client.get("/admin/audit").text
    assert 'id="anchor-failed" role="alert">The last scheduled verification' in page
    assert 'id="anchor-unreadable" role="alert">The anchor file cannot be read' in page
    assert 'id="chain" role="status">Chain intact' in page


def test_the_rounds_repeat_at_their_interval() -> None:
    rounds: list[int] = []

    async def job() -> None:
        rounds.append(len(rounds))

    async def run_a_while() -> None:
        task = asyncio.create_task(_every(0.01, job))
        await asyncio.sleep(0.1)
        task.cancel()

    asyncio.run(run_a_while())
    assert len(rounds) >= 3


def test_the_command_anchors_and_then_finds_a_truncation(
    engine: sa.Engine,
    anchors: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from console.__main__ import main

    monkeypatch.setenv(
        "CONSOLE_DATABASE_URL", engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("CONSOLE_TRACKER_URL", settings.tracker_url)
    monkeypatch.setenv("CONSOLE_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("CONSOLE_AUDIT_ANCHOR_FILE", str(anchors))
    assert main(["verify-audit"]) == 0
    assert not anchors.exists()
    assert main(["verify-audit", "--anchor"]) == 0
    assert len(audit_anchor.read_anchors(anchors)) == 1
    with anchors.open("a") as file:  # an anchor edited by hand: exit status 1
        file.write(anchors.read_text().replace('"entries": 6', '"entries": 5'))
    assert main(["verify-audit"]) == 1
    anchors.write_text(anchors.read_text().splitlines(keepends=True)[0])
    assert main(["verify-audit"]) == 0
    run_sql(engine, "DELETE FROM console_audit_log WHERE id = 6")
    seal_again(engine, KEY)
    assert main(["verify-audit"]) == 1
