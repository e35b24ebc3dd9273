"""Staff accounts: argon2id hashes, lockout, sessions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import audit_log, auth, store, tables
from console.settings import Settings

PASSWORD = "correct horse battery"

Login = Callable[[str], auth.LoginResult]
"""Ann's login attempt with a password."""


@pytest.fixture
def engine(settings: Settings) -> sa.Engine:
    engine = store.own_engine(settings.database_url)
    store.migrate(engine, audit_key=settings.audit_key)
    auth.create_user(engine, username="ann", password=PASSWORD, role="reviewer")
    return engine


@pytest.fixture
def ann_login(engine: sa.Engine, settings: Settings) -> Login:
    """Log in as ann with a password; returns the result."""
    return lambda password: auth.authenticate(
        engine, settings, username="ann", password=password
    )


@pytest.fixture
def ann(ann_login: Login) -> auth.User:
    """Ann's account, as a right password signs her in."""
    user = ann_login(PASSWORD).user
    assert user is not None
    return user


def test_passwords_are_stored_as_argon2id_hashes(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        stored = connection.scalar(sa.select(tables.users.c.password_hash))
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("bob", "short", "reviewer", "at least"),
        ("bob", PASSWORD, "owner", "role"),
        ("ann", PASSWORD, "admin", "exists"),
    ],
)
def test_bad_accounts_are_refused(
    engine: sa.Engine, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(auth.AccountError, match=message):
        auth.create_user(engine, username=username, password=password, role=role)


def test_login_checks_the_password(
    engine: sa.Engine, settings: Settings, ann_login: Login
) -> None:
    assert ann_login(PASSWORD).reason == "ok"
    wrong = ann_login(PASSWORD + "!")
    assert (wrong.user, wrong.reason) == (None, "bad_credentials")
    unknown = auth.authenticate(engine, settings, username="nobody", password=PASSWORD)
    assert (unknown.user, unknown.reason) == (None, "bad_credentials")


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    engine: sa.Engine, settings: Settings, ann_login: Login
) -> None:
    for _ in range(settings.max_failed_logins - 1):
        assert ann_login("x").reason == "bad_credentials"
    assert ann_login("x").reason == "locked"
    right = ann_login(PASSWORD)
    assert (right.user, right.reason) == (None, "locked")
    with engine.begin() as connection:  # the lockout period passes
        connection.execute(sa.update(tables.users).values(locked_until=time.time() - 1))
    assert ann_login(PASSWORD).reason == "ok"


def test_a_success_resets_the_failure_count(
    settings: Settings, ann_login: Login
) -> None:
    for _ in range(settings.max_failed_logins - 1):
        ann_login("x")
    ann_login(PASSWORD)
    for _ in range(settings.max_failed_logins - 1):
        ann_login("x")
    assert ann_login(PASSWORD).reason == "ok"


def test_sessions_expire_when_idle_and_end_at_logout(
    engine: sa.Engine, settings: Settings, ann: auth.User
) -> None:
    token = auth.open_session(engine, ann)
    session = auth.load_session(engine, settings, token)
    assert session is not None and session.user.username == "ann" and session.csrf_token
    with engine.connect() as connection:  # only a digest of the token is stored
        assert connection.scalar(sa.select(tables.sessions.c.token_hash)) != token
    with engine.begin() as connection:
        connection.execute(
            sa.update(tables.sessions).values(
                last_seen=time.time() - settings.session_idle_minutes * 60 - 1
            )
        )
    assert auth.load_session(engine, settings, token) is None
    second = auth.open_session(engine, ann)
    auth.close_session(engine, second)
    assert auth.load_session(engine, settings, second) is None


def test_csrf_tokens_must_match(tmp_path: Path) -> None:
    assert auth.same_token("abc", "abc")
    assert not auth.same_token("abc", "abd")
    assert not auth.same_token("", "")
    assert not auth.same_token("abc", None)


def test_a_new_password_lifts_the_lockout_and_ends_sessions(
    engine: sa.Engine, settings: Settings, ann: auth.User, ann_login: Login
) -> None:
    token = auth.open_session(engine, ann)
    for _ in range(settings.max_failed_logins):
        ann_login("x")
    auth.set_password(engine, username="ann", password="a brand new password")
    assert auth.load_session(engine, settings, token) is None
    assert ann_login(PASSWORD).reason == "bad_credentials"
    assert ann_login("a brand new password").reason == "ok"
    with pytest.raises(auth.AccountError, match="no user"):
        auth.set_password(engine, username="nobody", password="a brand new password")


def test_the_commands_create_an_account_and_reset_its_password(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    from console.__main__ import main

    monkeypatch.setenv("CONSOLE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONSOLE_AUDIT_KEY", settings.audit_key.decode())
    monkeypatch.setattr("sys.stdin", io.StringIO("first password 123\n"))
    assert main(["create-user", "lee", "--role", "admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["create-user", "kim", "--role", "admin", "--password-stdin"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("second password 123\n"))
    assert main(["set-password", "lee", "--password-stdin"]) == 0
    engine = store.own_engine(settings.database_url)
    result = auth.authenticate(
        engine, settings, username="lee", password="second password 123"
    )
    assert result.user is not None and result.user.role == "admin"
    assert [e.action for e in audit_log.audit_entries(engine)][:2] == [
        "password_set",
        "user_created",
    ]
