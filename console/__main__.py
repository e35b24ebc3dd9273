"""The console's commands.

    python -m console migrate
    python -m console create-user NAME --role admin        (asks for the password)
    python -m console create-user NAME --role reviewer --password-stdin < file
    python -m console set-password NAME  (also lifts a lockout, ends the sessions)
    python -m console forget-deleted     (after deletions in the tracker store)
    python -m console verify-audit       (exit status 1 when the audit chain is broken)
    python -m console serve              (CONSOLE_HOST / CONSOLE_PORT, 127.0.0.1:5620)

Settings come from ``CONSOLE_*`` variables (``console/settings.py``).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Sequence

from console import audit_log, auth, store, tables
from console.app import create_app
from console.settings import Settings
from console.tracker_store import TrackerReader, read_only_engine

logger = logging.getLogger("console")


def _read_password(*, from_stdin: bool) -> str:
    """The new password, from standard input or asked twice at the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise auth.AccountError("the passwords differ")
    return first


def main(argv: Sequence[str] | None = None) -> int:
    """Run one console command; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m console",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or upgrade the console's own tables")
    create = commands.add_parser("create-user", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--role", choices=tables.ROLES, required=True)
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    reset = commands.add_parser(
        "set-password", help="give a staff account a new password (lifts a lockout)"
    )
    reset.add_argument("username")
    reset.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    commands.add_parser(
        "forget-deleted",
        help="drop reviews and audit references of conversations no longer stored",
    )
    commands.add_parser(
        "verify-audit",
        help="check the audit log's chain; say where it first breaks",
    )
    commands.add_parser("serve", help="start the console (uvicorn)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    settings = Settings.from_env()
    engine = store.own_engine(settings.database_url)

    if args.command == "serve":
        import uvicorn

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            # Only nginx's X-Forwarded-For, and only when it is named, is believed.
            proxy_headers=bool(settings.forwarded_allow_ips),
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
            server_header=False,
        )
        return 0

    key = settings.audit_key
    applied = store.migrate(engine, audit_key=key)
    if args.command == "migrate":
        logger.info(
            "schema at version %d (%d applied now)",
            store.current_version(engine),
            len(applied),
        )
        return 0
    if args.command == "create-user":
        try:
            user = auth.create_user(
                engine,
                username=args.username,
                password=_read_password(from_stdin=args.password_stdin),
                role=args.role,
            )
        except auth.AccountError as error:
            logger.error("%s", error)
            return 1
        audit_log.audit(
            engine,
            audit_key=key,
            action="user_created",
            username=None,
            detail=f"{user.username} ({user.role})",
        )
        logger.info("created %s (%s)", user.username, user.role)
        return 0
    if args.command == "set-password":
        try:
            auth.set_password(
                engine,
                username=args.username,
                password=_read_password(from_stdin=args.password_stdin),
            )
        except auth.AccountError as error:
            logger.error("%s", error)
            return 1
        audit_log.audit(
            engine,
            audit_key=key,
            action="password_set",
            username=None,
            detail=args.username,
        )
        logger.info("new password set for %s", args.username)
        return 0
    if args.command == "forget-deleted":
        kept = TrackerReader(read_only_engine(settings.tracker_url)).sender_ids()
        logger.info(
            "reviews of deleted conversations removed: %d",
            store.forget_conversations(engine, kept, audit_key=key),
        )
        return 0
    if args.command == "verify-audit":
        report = audit_log.verify_audit(engine, audit_key=key)
        (logger.info if report.intact else logger.error)("%s", report.summary())
        return 0 if report.intact else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
