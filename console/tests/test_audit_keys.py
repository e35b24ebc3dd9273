"""Rotating the audit key: old entries stay verifiable, a retired key can forge nothing.

Each case on the log runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import audit_anchor, audit_keys, audit_log, store
from console import settings as console_settings
from console.settings import Settings, retired_audit_keys_from_env
from console.tests.forgery import run_sql, seal_again
from console.tests.web import AUDIT_KEY, app_with_staff, sign_in

OLD = AUDIT_KEY.encode()
NEW = b"the key the log is handed over to, 32+ characters"
OLD_ID, NEW_ID = audit_keys.key_id(OLD), audit_keys.key_id(NEW)


def add_entries(engine: sa.Engine, key: bytes, count: int) -> None:
    """Append ``count`` entries as a console running with ``key`` does."""
    for _ in range(count):
        audit_log.audit(engine, audit_key=key, action="login", username="ann")


@pytest.fixture
def rotated(console_database_url: str) -> Iterator[sa.Engine]:
    """Six entries sealed with the old key, the rotation (#7), three with the new one."""
    engine = store.own_engine(console_database_url)
    store.migrate(engine, audit_key=OLD)
    add_entries(engine, OLD, 6)
    report = audit_log.rotate_key(engine, old_key=OLD, new_key=NEW)
    assert report.intact and report.last_id == 7
    add_entries(engine, NEW, 3)
    yield engine
    engine.dispose()


def verified(
    engine: sa.Engine, key: bytes = NEW, *retired: bytes
) -> tuple[int | None, str]:
    """Where the chain first breaks for a console with these keys, and why."""
    report = audit_log.verify_audit(engine, audit_key=key, retired_keys=retired)
    return report.first_broken, report.reason


def test_a_rotated_log_verifies_with_the_new_key_and_the_retired_one(
    rotated: sa.Engine,
) -> None:
    report = audit_log.verify_audit(rotated, audit_key=NEW, retired_keys=[OLD])
    assert report.intact and report.entries == 10
    entries = {e.id: e for e in audit_log.audit_entries(rotated)}
    assert {entries[i].key_id for i in range(1, 7)} == {OLD_ID}
    assert {entries[i].key_id for i in range(7, 11)} == {NEW_ID}
    assert entries[7].action == audit_keys.KEY_ROTATED
    assert entries[7].detail.startswith(f"audit key {OLD_ID} retired, {NEW_ID} in use")


def test_without_the_retired_key_the_old_entries_cannot_be_verified(
    rotated: sa.Engine,
) -> None:
    first, reason = verified(rotated, NEW)
    assert first == 1 and reason.startswith(f"it is sealed with key {OLD_ID}, which")
    # A console still running with the old key does not know the new one.
    first, reason = verified(rotated, OLD)
    assert first == 7 and f"sealed with key {NEW_ID}" in reason


def test_a_console_with_the_retired_key_can_no_longer_append(
    rotated: sa.Engine,
) -> None:
    with pytest.raises(audit_log.AuditKeyError, match="restart it with the new"):
        add_entries(rotated, OLD, 1)
    assert verified(rotated, NEW, OLD) == (None, "")
    assert len(audit_log.audit_entries(rotated)) == 10


def test_a_retired_key_cannot_reseal_the_log_before_its_handover(
    rotated: sa.Engine,
) -> None:
    """The handover's seal needs the new key, so what comes before it is fixed."""
    run_sql(rotated, "UPDATE console_audit_log SET username = 'bob' WHERE id = 3")
    seal_again(rotated, OLD, through=6)
    assert verified(rotated, NEW, OLD)[0] == 7


def test_a_retired_key_cannot_pass_off_a_log_that_never_rotated(
    rotated: sa.Engine,
) -> None:
    """Cutting the log back to before the rotation needs a head sealed with the new key."""
    run_sql(rotated, "DELETE FROM console_audit_log WHERE id >= 7")
    seal_again(rotated, OLD)
    first, reason = verified(rotated, NEW, OLD)
    assert first == 7
    assert reason.startswith(f"the head is sealed with key {OLD_ID}, not with ")


def test_a_rotation_needs_the_retiring_key_to_sign_it(rotated: sa.Engine) -> None:
    """Whoever holds only the new key cannot claim a handover the old key never signed."""
    run_sql(
        rotated,
        "UPDATE console_audit_log SET detail = "
        f"'audit key {OLD_ID} retired, {NEW_ID} in use; handover {'0' * 64}' "
        "WHERE id = 7",
    )
    seal_again(rotated, NEW, first=7)
    first, reason = verified(rotated, NEW, OLD)
    assert (first, reason) == (7, "its handover is not signed by the retiring key")


def test_an_entry_marked_with_another_key_is_found(rotated: sa.Engine) -> None:
    run_sql(rotated, f"UPDATE console_audit_log SET key_id = '{OLD_ID}' WHERE id = 9")
    first, reason = verified(rotated, NEW, OLD)
    assert first == 9 and reason.startswith(f"it is marked as sealed with key {OLD_ID}")


def test_anchors_written_before_a_rotation_still_hold(
    console_database_url: str, tmp_path: Path
) -> None:
    anchors = tmp_path / "anchors.log"
    engine = store.own_engine(console_database_url)
    store.migrate(engine, audit_key=OLD)
    add_entries(engine, OLD, 4)
    audit_log.anchor_audit(engine, audit_key=OLD, anchor_file=anchors)
    audit_log.rotate_key(engine, old_key=OLD, new_key=NEW, anchor_file=anchors)
    report = audit_log.anchor_audit(
        engine, audit_key=NEW, retired_keys=[OLD], anchor_file=anchors
    )
    assert report.sound and report.anchors == 2
    assert [a.key_id for a in audit_anchor.read_anchors(anchors)] == [OLD_ID, NEW_ID]
    add_entries(engine, NEW, 2)
    report = audit_log.verify_audit(
        engine, audit_key=NEW, retired_keys=[OLD], anchor_file=anchors
    )
    assert report.sound and report.anchors == 2 and report.last_id == 7
    # Without the retired key the old anchor cannot be verified either.
    report = audit_log.verify_audit(engine, audit_key=NEW, anchor_file=anchors)
    assert report.untrusted_anchors[0].startswith(
        f"line 1: it is signed with key {OLD_ID}, which is not among the keys given"
    )
    engine.dispose()


def test_a_retired_key_cannot_sign_an_anchor_after_its_handover(
    rotated: sa.Engine, tmp_path: Path
) -> None:
    """A leaked retired key could otherwise vouch for a rewritten end of the log."""
    anchors = tmp_path / "anchors.log"
    audit_log.anchor_audit(
        rotated, audit_key=NEW, retired_keys=[OLD], anchor_file=anchors
    )
    [true] = audit_anchor.read_anchors(anchors)
    claim = dataclasses.replace(true, last_id=8, entries=8, last_seal="0" * 64)
    audit_anchor.append_anchor(anchors, claim.signed(OLD))
    report = audit_log.verify_audit(
        rotated, audit_key=NEW, retired_keys=[OLD], anchor_file=anchors
    )
    assert report.intact and report.anchored == true
    assert report.untrusted_anchors == (
        f"line 2: it is signed with key {OLD_ID}, but entry #8 is sealed with {NEW_ID}",
    )


def test_a_broken_log_or_the_same_key_is_not_rotated(tmp_path: Path) -> None:
    engine = store.own_engine(f"sqlite:///{tmp_path / 'console.db'}")
    store.migrate(engine, audit_key=OLD)
    add_entries(engine, OLD, 3)
    with pytest.raises(ValueError, match="the one in use"):
        audit_log.rotate_key(engine, old_key=OLD, new_key=OLD)
    run_sql(engine, "UPDATE console_audit_log SET detail = 'x' WHERE id = 2")
    with pytest.raises(audit_log.AuditKeyError, match="not rotating a broken log"):
        audit_log.rotate_key(engine, old_key=OLD, new_key=NEW)
    assert len(audit_log.audit_entries(engine)) == 3


def test_the_page_verifies_with_the_retired_keys(
    settings: Settings, tmp_path: Path
) -> None:
    from dataclasses import replace

    engine = store.own_engine(settings.database_url)
    store.migrate(engine, audit_key=OLD)
    add_entries(engine, OLD, 2)
    audit_log.rotate_key(engine, old_key=OLD, new_key=NEW)
    client = app_with_staff(replace(settings, audit_key=NEW, retired_audit_keys=(OLD,)))
    sign_in(client, "root")
    assert 'id="chain" role="status">Chain intact: 4 entries' in (
        client.get("/admin/audit").text
    )


def test_retired_keys_come_one_a_line_from_a_variable_or_a_secret_file(
    tmp_path: Path,
) -> None:
    lines = f"{AUDIT_KEY}\n\n{NEW.decode()}\n"
    assert retired_audit_keys_from_env({"CONSOLE_AUDIT_KEYS_RETIRED": lines}) == (
        OLD,
        NEW,
    )
    secret = tmp_path / "retired"
    secret.write_text(lines)
    assert retired_audit_keys_from_env(
        {"CONSOLE_AUDIT_KEY": "x" * 32, "CONSOLE_AUDIT_KEYS_RETIRED_FILE": str(secret)}
    ) == (OLD, NEW)
    assert retired_audit_keys_from_env({"CONSOLE_AUDIT_KEY": "x" * 32}) == ()
    # Compose mounts the file before the first rotation too, empty.
    secret.write_text("\n")
    assert (
        retired_audit_keys_from_env(
            {
                "CONSOLE_AUDIT_KEY": "x" * 32,
                "CONSOLE_AUDIT_KEYS_RETIRED_FILE": str(secret),
            }
        )
        == ()
    )
    with pytest.raises(ValueError, match="at least 32"):
        retired_audit_keys_from_env({"CONSOLE_AUDIT_KEYS_RETIRED": "short"})


@pytest.fixture
def command_env(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """``python -m console`` on a test database; a laptop's key files in tmp_path."""
    monkeypatch.setenv("CONSOLE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONSOLE_TRACKER_URL", settings.tracker_url)
    monkeypatch.setenv("CONSOLE_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.log"))
    for name in ("CONSOLE_AUDIT_KEY", "CONSOLE_AUDIT_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("CONSOLE_AUDIT_KEYS_RETIRED", "CONSOLE_AUDIT_KEYS_RETIRED_FILE"):
        monkeypatch.delenv(name, raising=False)
    keys = tmp_path / "var"
    monkeypatch.setattr(console_settings, "AUDIT_KEY_FILE", keys / "console-audit-key")
    monkeypatch.setattr(
        console_settings, "RETIRED_AUDIT_KEYS_FILE", keys / "console-audit-keys-retired"
    )
    return keys


def test_the_command_rotates_a_laptops_key_in_its_files(
    command_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from console.__main__ import main

    caplog.set_level(logging.INFO)
    key_file = command_env / "console-audit-key"
    assert main(["verify-audit", "--anchor"]) == 0  # makes the first key
    old = key_file.read_bytes()
    assert main(["rotate-audit-key"]) == 0
    new = key_file.read_bytes()
    assert new != old and len(new) >= 32
    assert (command_env / "console-audit-keys-retired").read_bytes() == old + b"\n"
    assert not (command_env / "console-audit-key.new").exists()
    assert (key_file.stat().st_mode & 0o777) == 0o600
    caplog.clear()
    assert main(["verify-audit"]) == 0
    assert "audit chain intact: 1 entries, newest #1" in caplog.text


def test_the_command_takes_a_deployments_new_key_on_standard_input(
    command_env: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from console.__main__ import main

    caplog.set_level(logging.INFO)
    monkeypatch.setenv("CONSOLE_AUDIT_KEY", AUDIT_KEY)
    engine = store.own_engine(settings.database_url)
    store.migrate(engine, audit_key=OLD)
    add_entries(engine, OLD, 2)
    assert main(["rotate-audit-key"]) == 1
    assert "--new-key-stdin" in caplog.text
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW.decode() + "\n"))
    assert main(["rotate-audit-key", "--new-key-stdin"]) == 0
    assert f"now set CONSOLE_AUDIT_KEY to the new key (id {NEW_ID})" in caplog.text
    assert not command_env.exists()  # the deployment's secrets are its own
    assert main(["verify-audit"]) == 1  # still the old key: not the log's any more
    monkeypatch.setenv("CONSOLE_AUDIT_KEY", NEW.decode())
    monkeypatch.setenv("CONSOLE_AUDIT_KEYS_RETIRED", AUDIT_KEY)
    assert main(["verify-audit"]) == 0
