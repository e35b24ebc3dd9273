"""Staff accounts: argon2 password hashes, lockout, server-side sessions and CSRF tokens.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256,
so a copy of the database opens no session. Each session has its own CSRF token, which
every form posts back. Logins are refused for ``lockout_minutes`` after
``max_failed_logins`` wrong passwords in a row; an unknown user name costs the same
argon2 work as a known one, so timing does not tell which names exist. An account
enrolled for two-factor codes (``console/two_factor.py``) also needs its current code;
a wrong or missing code counts as a wrong password, and the person signing in is told
no more than that the name, password or code was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine

from console import two_factor
from console.settings import Settings
from console.tables import ROLES, sessions, users

_hasher = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 defaults
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """Raised when an account cannot be created as asked."""


@dataclass(frozen=True)
class User:
    """A signed-in member of staff."""

    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Whether the user may read and export the audit log."""
        return self.role == "admin"


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: a user, or why not.

    ``reason`` is ``ok``, ``bad_credentials``, ``bad_code`` (the password was right,
    the two-factor code was not) or ``locked``.
    """

    user: User | None
    reason: str


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` as the console stores it."""
    return _hasher.hash(password)


def create_user(engine: Engine, *, username: str, password: str, role: str) -> User:
    """Create a staff account with an argon2id hash of its password.

    Raises:
        AccountError: unknown role, short password or the name is taken.
    """
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if not username or len(username) > 80 or not username.isprintable():
        raise AccountError("user name must be 1 to 80 printable characters")
    with engine.begin() as connection:
        taken = connection.scalar(
            sa.select(users.c.id).where(users.c.username == username)
        )
        if taken is not None:
            raise AccountError(f"user {username!r} exists")
        inserted = connection.execute(
            sa.insert(users).values(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                created_at=time.time(),
                failed_logins=0,
            )
        ).inserted_primary_key
    assert inserted is not None
    return User(id=int(inserted[0]), username=username, role=role)


def set_password(engine: Engine, *, username: str, password: str) -> None:
    """Give an account a new password, lift its lockout and end its sessions.

    Raises:
        AccountError: no such user, or the password is too short.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters"
        )
    _update_account(
        engine,
        username,
        {"password_hash": _hasher.hash(password), **UNLOCKED},
        end_sessions=True,
    )


def _account_id(connection: sa.Connection, username: str) -> int:
    """The id of the account ``username``.

    Raises:
        AccountError: no such user.
    """
    user_id = connection.scalar(
        sa.select(users.c.id).where(users.c.username == username)
    )
    if user_id is None:
        raise AccountError(f"no user {username!r}")
    return int(user_id)


UNLOCKED = {"failed_logins": 0, "locked_until": None}
"""The columns that lift an account's lockout."""


def _update_account(
    engine: Engine,
    username: str,
    values: dict[str, Any],
    *,
    end_sessions: bool,
) -> None:
    """Set ``values`` on the account ``username``, ending its sessions if asked.

    Raises:
        AccountError: no such user.
    """
    with engine.begin() as connection:
        user_id = _account_id(connection, username)
        connection.execute(
            sa.update(users).where(users.c.id == user_id).values(**values)
        )
        if end_sessions:
            connection.execute(sa.delete(sessions).where(sessions.c.user_id == user_id))


def enrol_totp(engine: Engine, *, username: str, secret: str | None = None) -> str:
    """Give an account a new two-factor secret and return it (to show once).

    Any earlier secret stops working (an admin's recovery when a phone is lost), the
    account's lockout is lifted and its sessions end.

    Raises:
        AccountError: no such user.
    """
    secret = secret or two_factor.new_secret()
    _update_account(
        engine,
        username,
        {"totp_secret": secret, "totp_last_step": None, **UNLOCKED},
        end_sessions=True,
    )
    return secret


def remove_totp(engine: Engine, *, username: str) -> None:
    """Let an account sign in with its password alone again.

    Raises:
        AccountError: no such user.
    """
    _update_account(
        engine,
        username,
        {"totp_secret": None, "totp_last_step": None},
        end_sessions=False,
    )


def _verify(password_hash: str, password: str) -> bool:
    """Check a password against an argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _failed(
    connection: sa.Connection,
    row: sa.Row,
    settings: Settings,
    *,
    now: float,
    reason: str,
) -> LoginResult:
    """Count a failed login (wrong password or code); lock the account after too many."""
    failures = row.failed_logins + 1
    locked = failures >= settings.max_failed_logins
    connection.execute(
        sa.update(users)
        .where(users.c.id == row.id)
        .values(
            failed_logins=0 if locked else failures,
            locked_until=now + settings.lockout_minutes * 60 if locked else None,
        )
    )
    return LoginResult(None, "locked" if locked else reason)


def _use_code(connection: sa.Connection, row: sa.Row, code: str, now: float) -> bool:
    """Whether ``code`` is the account's current code; if so, it is used up.

    The step is recorded only if no other login recorded it (or a later one)
    meanwhile, so two logins racing with one code do not both get in.
    """
    step = two_factor.matching_step(
        row.totp_secret, code, at=now, after=row.totp_last_step
    )
    if step is None:
        return False
    used = connection.execute(
        sa.update(users)
        .where(users.c.id == row.id)
        .where(sa.or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return used.rowcount == 1


def authenticate(
    engine: Engine,
    settings: Settings,
    *,
    username: str,
    password: str,
    code: str = "",
    now: float | None = None,
) -> LoginResult:
    """Check a login, counting failures and locking the account after too many.

    ``code`` is the two-factor code, needed when the account is enrolled; ``now``
    (seconds since the epoch) is for tests.
    """
    now = time.time() if now is None else now
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(users).where(users.c.username == username)
        ).first()
        if row is None:
            _verify(_DUMMY_HASH, password)
            return LoginResult(None, "bad_credentials")
        if row.locked_until is not None and row.locked_until > now:
            _verify(_DUMMY_HASH, password)
            return LoginResult(None, "locked")
        if not _verify(row.password_hash, password):
            return _failed(connection, row, settings, now=now, reason="bad_credentials")
        if row.totp_secret is not None and not _use_code(connection, row, code, now):
            return _failed(connection, row, settings, now=now, reason="bad_code")
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        connection.execute(
            sa.update(users).where(users.c.id == row.id).values(**values)
        )
    return LoginResult(User(row.id, row.username, row.role), "ok")


def _token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, user: User) -> str:
    """Start a session for ``user`` and return the token for its cookie."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(sessions).values(
                token_hash=_token_hash(token),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen=now,
            )
        )
    return token


@dataclass(frozen=True)
class Session:
    """A live session: who, and the CSRF token its forms carry."""

    user: User
    csrf_token: str


def load_session(
    engine: Engine, settings: Settings, token: str | None
) -> Session | None:
    """The session of a cookie token, or ``None`` when unknown or expired.

    A session ends after ``session_idle_minutes`` without a request or
    ``session_max_hours`` after login, whichever comes first.
    """
    if not token:
        return None
    now = time.time()
    key = _token_hash(token)
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(sessions, users.c.username, users.c.role)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == key)
        ).first()
        if row is None:
            return None
        expired = (
            now - row.last_seen > settings.session_idle_minutes * 60
            or now - row.created_at > settings.session_max_hours * 3600
        )
        if expired:
            connection.execute(sa.delete(sessions).where(sessions.c.token_hash == key))
            return None
        connection.execute(
            sa.update(sessions)
            .where(sessions.c.token_hash == key)
            .values(last_seen=now)
        )
    return Session(User(row.user_id, row.username, row.role), row.csrf_token)


def close_session(engine: Engine, token: str | None) -> None:
    """End a session (logout)."""
    if token:
        with engine.begin() as connection:
            connection.execute(
                sa.delete(sessions).where(sessions.c.token_hash == _token_hash(token))
            )


def same_token(expected: str | None, given: str | None) -> bool:
    """Compare CSRF tokens in constant time; a missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected, given)
