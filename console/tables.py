"""The console's tables: staff, sessions, reviews, the audit log and its head.

Declared once; ``console/store.py`` creates them through its numbered migrations.
"""

from __future__ import annotations

import sqlalchemy as sa

ROLES = ("reviewer", "admin")
REVIEW_STATUSES = ("reviewed", "concern")

metadata = sa.MetaData()

schema_version = sa.Table(
    "console_schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.Float, nullable=False),
)

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float),
    # Two-factor codes (console/two_factor.py, migration 5): the account's TOTP secret
    # and the time step of the last code used, which no later login may use again.
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("totp_last_step", sa.Integer),
)

sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("console_users.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)

reviews = sa.Table(
    "console_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
)

audit_log = sa.Table(
    "console_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(80)),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("client", sa.String(64)),
    # The chain (console/audit_chain.py), added by migration 3.
    sa.Column("sender_salt", sa.String(32)),
    sa.Column("sender_digest", sa.String(64)),
    sa.Column("seal", sa.String(64)),
    # The key that sealed it (console/audit_keys.py), added by migration 4.
    sa.Column("key_id", sa.String(16)),
)

audit_head = sa.Table(
    "console_audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entries", sa.Integer, nullable=False),
    sa.Column("last_id", sa.Integer, nullable=False),
    sa.Column("last_seal", sa.String(64), nullable=False),
    sa.Column("seal", sa.String(64), nullable=False),
    sa.Column("key_id", sa.String(16)),  # migration 4
)
"""One row (id 1): the sealed head of the audit log; appending locks it."""
HEAD_ID = 1
