"""Two-factor codes (TOTP) for staff accounts: enrolment, login, lockout, recovery."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from console import audit_log, auth, store, tables, two_factor
from console.settings import Settings
from console.tests.test_audit_migration import USERS_V1
from console.tests.web import PASSWORDS, sign_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_000.0  # the start of a 30-second step


@pytest.fixture
def engine(settings: Settings) -> sa.Engine:
    """A console database with ann's account enrolled with ``SECRET``."""
    engine = store.own_engine(settings.database_url)
    store.migrate(engine, audit_key=settings.audit_key)
    auth.create_user(
        engine, username="ann", password="ann's password 1", role="reviewer"
    )
    auth.enrol_totp(engine, username="ann", secret=SECRET)
    return engine


VERSION_4 = sa.MetaData()
"""The console's tables at version 4: accounts without two-factor codes."""
USERS_V1.to_metadata(VERSION_4)
for _table in (
    tables.schema_version,
    tables.sessions,
    tables.reviews,
    tables.audit_log,
    tables.audit_head,
):
    _table.to_metadata(VERSION_4)


def login_as(
    engine: sa.Engine,
    settings: Settings,
    username: str,
    password: str,
    code: str,
    *,
    at: float = NOW,
) -> auth.LoginResult:
    """A login with a password and ``code`` at time ``at``."""
    return auth.authenticate(
        engine, settings, username=username, password=password, code=code, now=at
    )


def login(
    engine: sa.Engine, settings: Settings, code: str, *, at: float = NOW
) -> auth.LoginResult:
    """Ann's login with her password and ``code`` at time ``at``."""
    return login_as(engine, settings, "ann", "ann's password 1", code, at=at)


def code_at(at: float) -> str:
    return two_factor.current_code(SECRET, at=at)


def test_a_code_is_valid_for_its_step_and_the_next_and_previous_ones() -> None:
    step = int(NOW // 30)
    assert two_factor.matching_step(SECRET, code_at(NOW), at=NOW, after=None) == step
    spaced = code_at(NOW)[:3] + " " + code_at(NOW)[3:]
    assert two_factor.matching_step(SECRET, spaced, at=NOW, after=None) == step
    assert two_factor.matching_step(SECRET, code_at(NOW - 30), at=NOW, after=None) == (
        step - 1
    )
    assert two_factor.matching_step(SECRET, code_at(NOW + 30), at=NOW, after=None)
    assert (
        two_factor.matching_step(SECRET, code_at(NOW - 60), at=NOW, after=None) is None
    )
    assert two_factor.matching_step(SECRET, code_at(NOW), at=NOW, after=step) is None
    for wrong in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        assert two_factor.matching_step(SECRET, wrong, at=NOW, after=None) is None


def test_an_enrolled_account_needs_its_code(
    engine: sa.Engine, settings: Settings
) -> None:
    assert login(engine, settings, "").reason == "bad_code"
    assert login(engine, settings, "000000").reason == "bad_code"
    result = login(engine, settings, code_at(NOW))
    assert result.reason == "ok" and result.user is not None
    # The same code, or an older one, does not open a second session.
    assert login(engine, settings, code_at(NOW), at=NOW + 5).reason == "bad_code"
    assert login(engine, settings, code_at(NOW - 30), at=NOW + 5).reason == "bad_code"
    assert login(engine, settings, code_at(NOW + 30), at=NOW + 30).reason == "ok"


def test_a_wrong_password_is_refused_whatever_the_code(
    engine: sa.Engine, settings: Settings
) -> None:
    result = auth.authenticate(
        engine,
        settings,
        username="ann",
        password="not her password",
        code=code_at(NOW),
        now=NOW,
    )
    assert result.reason == "bad_credentials"


def test_wrong_codes_lock_the_account_as_wrong_passwords_do(
    engine: sa.Engine, settings: Settings
) -> None:
    for _ in range(settings.max_failed_logins - 1):
        assert login(engine, settings, "000000").reason == "bad_code"
    assert login(engine, settings, "000000").reason == "locked"
    # Locked: the right password and code are refused until the lockout ends.
    assert login(engine, settings, code_at(NOW)).reason == "locked"
    later = NOW + settings.lockout_minutes * 60 + 30
    assert login(engine, settings, code_at(later), at=later).reason == "ok"


def test_a_right_code_resets_the_failure_count(
    engine: sa.Engine, settings: Settings
) -> None:
    for _ in range(settings.max_failed_logins - 1):
        login(engine, settings, "000000")
    assert login(engine, settings, code_at(NOW)).reason == "ok"
    assert login(engine, settings, "000000", at=NOW + 30).reason == "bad_code"


def test_accounts_without_a_code_sign_in_with_the_password(
    engine: sa.Engine, settings: Settings
) -> None:
    auth.create_user(engine, username="bo", password="bo's password 12", role="admin")
    result = auth.authenticate(
        engine, settings, username="bo", password="bo's password 12"
    )
    assert result.reason == "ok"


def test_the_login_form_takes_the_code_and_the_audit_log_tells_a_bad_one(
    client: TestClient, settings: Settings
) -> None:
    engine = store.own_engine(settings.database_url)
    auth.enrol_totp(engine, username="root", secret=SECRET)
    page = client.get("/login").text
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    response = sign_in(client, "root")
    assert response.status_code == 401
    assert "Wrong user name, password or code." in response.text
    assert sign_in(client, "root", code="000000").status_code == 401
    response = sign_in(client, "root", code=code_at(time.time()))
    assert response.status_code == 303
    audit = client.get("/admin/audit.csv").text
    assert audit.count("root,login_refused,,bad_code") == 2
    assert "root,login," in audit


def test_the_commands_enrol_an_account_and_recover_it(
    settings: Settings,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from console.__main__ import main

    monkeypatch.setenv("CONSOLE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONSOLE_AUDIT_KEY", settings.audit_key.decode())
    for _ in range(settings.max_failed_logins):
        login(engine, settings, "000000", at=time.time())
    assert login(engine, settings, "000000", at=time.time()).reason == "locked"

    # Ann lost her phone: an admin enrols her again, which also lifts the lockout.
    assert main(["enrol-totp", "ann"]) == 0
    shown = capsys.readouterr().out
    assert "otpauth://totp/Hamstring%20clinic%20console:ann?secret=" in shown
    assert "\u2588" in shown or "\u2580" in shown  # the QR code, drawn
    [secret] = [
        line.split(": ", 1)[1]
        for line in shown.splitlines()
        if line.startswith("secret")
    ]
    assert secret != SECRET and len(secret) == 32
    now = time.time()
    result = auth.authenticate(
        engine,
        settings,
        username="ann",
        password="ann's password 1",
        code=two_factor.current_code(secret, at=now),
        now=now,
    )
    assert result.reason == "ok"

    assert main(["remove-totp", "ann"]) == 0
    assert login(engine, settings, "", at=now + 60).reason == "ok"
    assert main(["enrol-totp", "nobody"]) == 1
    actions = [e.action for e in audit_log.audit_entries(engine)]
    assert actions[:2] == ["totp_removed", "totp_enrolled"]
    assert secret not in capsys.readouterr().err  # the secret is never logged


def test_no_password_alone_signs_in_an_enrolled_admin_in_the_browser_form(
    client: TestClient, settings: Settings
) -> None:
    """The reviewer without a code still signs in; the enrolled admin does not."""
    engine = store.own_engine(settings.database_url)
    auth.enrol_totp(engine, username="root", secret=SECRET)
    assert sign_in(client, "ann").status_code == 303
    other = TestClient(client.app, base_url="https://testserver")
    assert sign_in(other, "root", PASSWORDS["root"]).status_code == 401


def test_migration_5_adds_the_code_columns_to_existing_accounts(
    console_database_url: str,
) -> None:
    """A database at version 4 keeps its accounts; they sign in with passwords."""
    engine = store.own_engine(console_database_url)
    VERSION_4.create_all(engine)
    with engine.begin() as connection:
        for version in (1, 2, 3, 4):
            connection.execute(
                sa.insert(tables.schema_version).values(version=version, applied_at=1)
            )
        connection.execute(
            sa.insert(USERS_V1).values(
                username="old",
                password_hash=auth.hash_password("old password 123"),
                role="admin",
                created_at=1,
                failed_logins=0,
            )
        )
    assert store.migrate(engine, audit_key=b"k" * 32) == [5]
    settings = Settings(tracker_url="", database_url="", safety_case=Path())
    result = auth.authenticate(
        engine, settings, username="old", password="old password 123"
    )
    assert result.reason == "ok"
    auth.enrol_totp(engine, username="old", secret=SECRET)
    assert (
        login_as(engine, settings, "old", "old password 123", "").reason == "bad_code"
    )
    engine.dispose()
