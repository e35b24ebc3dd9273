"""The console's commands.

    python -m console migrate
    python -m console create-user NAME --role admin        (asks for the password)
    python -m console create-user NAME --role reviewer --password-stdin < file
    python -m console set-password NAME  (also lifts a lockout, ends the sessions)
    python -m console enrol-totp NAME    (two-factor codes: shows the QR code once;
                                          again for a lost phone, lifts a lockout)
    python -m console remove-totp NAME   (the password alone signs in again)
    python -m console forget-deleted     (after deletions in the tracker store)
    python -m console verify-audit       (exit status 1 when the audit chain is broken
                                          or an anchor is forged)
    python -m console verify-audit --anchor   (and, when intact, anchor it)
    python -m console rotate-audit-key   (a laptop's key in var/: a new one made there)
    python -m console rotate-audit-key --new-key-stdin < new-key   (deployments)
    python -m console serve              (CONSOLE_HOST / CONSOLE_PORT, 127.0.0.1:5620)

Settings come from ``CONSOLE_*`` variables (``console/settings.py``).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import secrets
import sys
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from console import audit_keys, audit_log, auth, settings, store, tables, two_factor
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


def _show_enrolment(username: str, secret: str) -> None:
    """Show the new secret once, as a QR code and as text, on standard output.

    Written to the terminal, never logged: a log collector must not keep it.
    """
    uri = two_factor.provisioning_uri(secret, username)
    sys.stdout.write(
        f"Scan this with {username}'s authenticator app, or type the secret in:\n\n"
        f"{two_factor.qr_code_text(uri)}\n"
        f"secret: {secret}\n"
        f"uri: {uri}\n"
    )
    sys.stdout.flush()


def _verify_audit(engine: Engine, config: Settings, *, anchor: bool) -> int:
    """Verify the audit log against its anchors (and anchor it); the exit status."""
    key, retired, anchors = (
        config.audit_key,
        config.retired_audit_keys,
        config.audit_anchor_file,
    )
    try:
        if anchor and anchors is not None:
            report = audit_log.anchor_audit(
                engine, audit_key=key, retired_keys=retired, anchor_file=anchors
            )
        else:
            report = audit_log.verify_audit(
                engine, audit_key=key, retired_keys=retired, anchor_file=anchors
            )
    except OSError as error:
        logger.error("the audit log's anchor file: %s", error)
        return 1
    (logger.info if report.sound else logger.error)("%s", report.summary())
    return 0 if report.sound else 1


def _rotate_audit_key(engine: Engine, config: Settings, *, from_stdin: bool) -> int:
    """Hand the audit log over to a new key; the exit status.

    A laptop's keys are files in ``var/``: the new key (from standard input, else made
    here) is staged beside the old one before the log is handed over, and put in its
    place after, the old one added to the retired keys. A deployment's key comes from
    its secrets, which this command cannot change: it takes the new key on standard
    input and says what to change.
    """
    laptop = settings.laptop_audit_keys(os.environ)
    if from_stdin:
        new_key = settings.audit_key_of(sys.stdin.readline())
    elif laptop:
        new_key = secrets.token_urlsafe(32).encode()
    else:
        logger.error(
            "the audit key comes from CONSOLE_AUDIT_KEY or CONSOLE_AUDIT_KEY_FILE: "
            "give the new key on standard input (--new-key-stdin)"
        )
        return 1
    staged = settings.stage_laptop_key(new_key) if laptop else None
    try:
        report = audit_log.rotate_key(
            engine,
            old_key=config.audit_key,
            new_key=new_key,
            retired_keys=config.retired_audit_keys,
            anchor_file=config.audit_anchor_file,
        )
    except (audit_log.AuditKeyError, ValueError, OSError) as error:
        if staged is not None:
            staged.unlink()
        logger.error("the audit key was not rotated: %s", error)
        return 1
    if staged is not None:
        settings.install_laptop_key(staged, config.audit_key)
        logger.info("the new key is in %s", settings.AUDIT_KEY_FILE)
    else:
        logger.info(
            "now set CONSOLE_AUDIT_KEY to the new key (id %s), add the old one to "
            "CONSOLE_AUDIT_KEYS_RETIRED and restart the console",
            audit_keys.key_id(new_key),
        )
    (logger.info if report.intact else logger.error)("%s", report.summary())
    return 0 if report.intact else 1


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
    enrol = commands.add_parser(
        "enrol-totp",
        help="give a staff account two-factor codes (a new secret: also a recovery)",
    )
    enrol.add_argument("username")
    remove = commands.add_parser(
        "remove-totp", help="let a staff account sign in without a two-factor code"
    )
    remove.add_argument("username")
    commands.add_parser(
        "forget-deleted",
        help="drop reviews and audit references of conversations no longer stored",
    )
    verify = commands.add_parser(
        "verify-audit",
        help="check the audit log's chain and anchors; say where it first breaks",
    )
    verify.add_argument(
        "--anchor",
        action="store_true",
        help="when intact, anchor it in CONSOLE_AUDIT_ANCHOR_FILE (as the console "
        "does on a schedule)",
    )
    rotate = commands.add_parser(
        "rotate-audit-key",
        help="hand the audit log over to a new key (the old one stays to verify)",
    )
    rotate.add_argument(
        "--new-key-stdin",
        action="store_true",
        help="read the new key from the first line of standard input",
    )
    commands.add_parser("serve", help="start the console (uvicorn)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    config = Settings.from_env()
    engine = store.own_engine(config.database_url)

    if args.command == "serve":
        import uvicorn

        uvicorn.run(
            create_app(config),
            host=config.host,
            port=config.port,
            # Only nginx's X-Forwarded-For, and only when it is named, is believed.
            proxy_headers=bool(config.forwarded_allow_ips),
            forwarded_allow_ips=config.forwarded_allow_ips or None,
            server_header=False,
        )
        return 0

    key = config.audit_key
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
    if args.command in ("enrol-totp", "remove-totp"):
        try:
            if args.command == "enrol-totp":
                secret = auth.enrol_totp(engine, username=args.username)
            else:
                auth.remove_totp(engine, username=args.username)
        except auth.AccountError as error:
            logger.error("%s", error)
            return 1
        action = "totp_enrolled" if args.command == "enrol-totp" else "totp_removed"
        audit_log.audit(
            engine, audit_key=key, action=action, username=None, detail=args.username
        )
        if args.command == "enrol-totp":
            _show_enrolment(args.username, secret)
        logger.info("%s: %s", action, args.username)
        return 0
    if args.command == "forget-deleted":
        kept = TrackerReader(read_only_engine(config.tracker_url)).sender_ids()
        logger.info(
            "reviews of deleted conversations removed: %d",
            store.forget_conversations(engine, kept, audit_key=key),
        )
        return 0
    if args.command == "verify-audit":
        return _verify_audit(engine, config, anchor=args.anchor)
    if args.command == "rotate-audit-key":
        return _rotate_audit_key(engine, config, from_stdin=args.new_key_stdin)
    return 2


if __name__ == "__main__":
    sys.exit(main())
