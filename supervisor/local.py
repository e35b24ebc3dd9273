"""``make run`` and ``make shell``: the assistant on this machine, for a person to use.

Starts the retention job (daily), the action server, the demo clinic page with the web
widget, and the Rasa server (REST, the widget's socket, the configured messaging
channels, the HTTP API behind a token); prints where to chat once Rasa answers, keeps
running until Ctrl-C, and stops everything on the way out. ``--shell`` chats in the
terminal instead of serving.

Environment (all optional):
  RASA_PORT, ACTIONS_PORT   ports (default 5005, 5055)
  RASA_INTERFACE            address Rasa listens on (default 127.0.0.1)
  RASA_TOKEN                token for the HTTP API; generated and printed when unset
  WIDGET_PORT               port of the demo clinic page (default 8000)
  CORS_ORIGINS              space-separated origins of the pages allowed to open the
                            widget's socket, as `make cluster` reads it (default: the
                            demo page this run serves, nothing else)
  CLINIC_NAME, CLINIC_PHONE, CLINIC_BOOKING_URL, EMERGENCY_NUMBER   clinic details
  RETENTION_DAYS            stored conversations idle longer than this are deleted
                            (default 30; checked at start and then daily)
  TRACKER_DB_URL            the conversations store (default sqlite:///var/conversations.db)
  CONSOLE_PORT              port of the clinical safety console (default 5620; it starts
                            when console/.venv exists, which `make run` creates)
  Channel variables (TELEGRAM_*, TWILIO_*, SLACK_*, FACEBOOK_*): see docs/channels.md
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from channels.conversation_id import conversation_id
from supervisor.assistant import REPO, Assistant, AssistantConfig
from supervisor.process import HOST, ServerError, Service, wait_http
from supervisor.quiet import run_quietly

LOG_DIR = REPO / "logs"
WARNINGS_LOG = LOG_DIR / "warnings.log"
RETENTION_INTERVAL_S = 86400


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def kept_secret(name: str) -> str:
    """A random secret kept in ``var/<name>`` (0600), made on first use."""
    path = REPO / "var" / name
    if not path.is_file():
        path.parent.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def local_endpoints(actions_port: int) -> Path:
    """``endpoints.yml`` with the action server's port; written to ``build/``."""
    text = (REPO / "endpoints.yml").read_text(encoding="utf-8")
    text = text.replace(
        "http://localhost:5055/webhook", f"http://localhost:{actions_port}/webhook"
    )
    target = REPO / "build" / "endpoints.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def local_credentials() -> Path:
    """``credentials.yml`` plus the channels whose variables are set; prints them."""
    target = REPO / "build" / "credentials.yml"
    subprocess.run(
        [sys.executable, "-m", "channels.credentials", "--base", "credentials.yml"]
        + ["--output", str(target), "--print-live"],
        cwd=REPO,
        check=True,
    )
    return target


def console_service() -> Service | None:
    """The clinical safety console on 127.0.0.1 (console/), or ``None`` if not installed.

    It has its own virtual environment and reads the same tracker store, read-only.
    """
    python = REPO / "console" / ".venv" / "bin" / "python"
    if not python.is_file():
        return None
    env = dict(os.environ)
    env.setdefault("CONSOLE_TRACKER_URL", os.environ["TRACKER_DB_URL"])
    env["CONSOLE_HOST"] = "127.0.0.1"
    env.setdefault("CONSOLE_PORT", "5620")
    return Service(
        "console",
        [str(python), "-m", "console", "serve"],
        log_path=LOG_DIR / "console.log",
        cwd=REPO,
        env=env,
    )


def widget_origins(widget_port: int) -> list[str]:
    """The pages allowed to open the widget's socket: ``CORS_ORIGINS``, else the demo page.

    As in the deployments (``deploy/cluster/instances.py``), they reach Rasa only as
    ``WIDGET_ALLOWED_ORIGINS``, for the socket channel, which answers their CORS
    itself; Rasa runs without ``--cors``, so its HTTP API and REST webhook answer no
    page (they take tokens, not browsers).
    """
    configured = os.environ.get("CORS_ORIGINS", "").split()
    return configured or [
        f"http://localhost:{widget_port}",
        f"http://127.0.0.1:{widget_port}",
    ]


def ready_banner(rasa_port: int, widget_port: int) -> str:
    """What a person needs once the assistant answers."""
    rest = (
        f"curl -s localhost:{rasa_port}/webhooks/rest/webhook "
        '-H "Authorization: Bearer $REST_TOKEN" '
        """-d '{"sender":"me","message":"hi"}'"""
    )
    # Conversation ids carry their channel: the REST sender "me" is "rest:me".
    tracker = f"/conversations/{conversation_id('rest', 'me')}/tracker"
    return "\n".join(
        [
            "",
            "The assistant is ready.",
            f"  Web chat (demo clinic page): http://localhost:{widget_port}/",
            f"  REST:    {rest}",
            f"  HTTP API: http://localhost:{rasa_port}/status?token=<RASA_TOKEN>",
            f"    (that REST conversation: {tracker}?token=<RASA_TOKEN>)",
            "  Terminal chat: make shell",
            f"  Safety console: http://127.0.0.1:{_env_int('CONSOLE_PORT', 5620)}/",
            "    (first admin: make console-user NAME=<you> ROLE=admin)",
            "  Logs: logs/",
            "",
        ]
    )


def make_private(*folders: Path) -> None:
    """Folders (and the files in them) readable by their owner only.

    ``var/`` holds the conversations (health data) and the widget's signing secret,
    ``logs/`` the servers' logs; a checkout made before the servers created files
    privately may still have them readable by everyone. Group and other lose every
    permission; the owner keeps theirs (a tool's virtual environment under ``var/``
    stays runnable). Symbolic links are left alone: ``chmod`` follows them, and a
    virtual environment's ``bin/python`` points at the machine's interpreter.
    """
    for folder in folders:
        folder.chmod(0o700)
        for path in folder.rglob("*"):
            if path.is_symlink():
                continue
            if path.is_dir():
                path.chmod(0o700)
            else:
                path.chmod(stat.S_IMODE(path.stat().st_mode) & 0o700 | 0o600)


def serve(*, shell: bool) -> int:
    """Run the assistant in the foreground until interrupted."""
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    rasa_port = _env_int("RASA_PORT", 5005)
    actions_port = _env_int("ACTIONS_PORT", 5055)
    widget_port = _env_int("WIDGET_PORT", 8000)
    os.environ["WIDGET_ALLOWED_ORIGINS"] = ",".join(widget_origins(widget_port))
    os.environ.setdefault("TRACKER_DB_URL", "sqlite:///var/conversations.db")
    for folder in ("var", "build", "logs"):
        (REPO / folder).mkdir(exist_ok=True)
    make_private(REPO / "var", REPO / "logs")
    # Rasa's token for the action server, new each run (rasa_sdk_plugins/).
    os.environ.setdefault("ACTION_SERVER_TOKEN", secrets.token_urlsafe(24))
    # Signs the widget tabs' conversation tokens (channels/socketio.py); kept in var/
    # so a tab's conversation survives a restart of make run.
    os.environ.setdefault("WIDGET_SESSION_SECRET", kept_secret("widget-session-secret"))
    token = os.environ.get("RASA_TOKEN")
    if not token:
        token = secrets.token_urlsafe(24)
        print(f"RASA_TOKEN was not set; this run's HTTP API token is: {token}")
    # The REST webhook needs a bearer token too, unless REST_OPEN=1 (local development).
    if os.environ.get("REST_OPEN") != "1" and not os.environ.get("REST_TOKEN"):
        os.environ["REST_TOKEN"] = secrets.token_urlsafe(24)
        print(
            f"REST_TOKEN was not set; this run's REST token is: {os.environ['REST_TOKEN']}"
        )

    config = AssistantConfig(
        model=Path(os.environ.get("MODEL") or REPO / "models" / "hamstring.tar.gz"),
        rasa_port=rasa_port,
        actions_port=actions_port,
        token=token,
        log_dir=LOG_DIR,
        interface=os.environ.get("RASA_INTERFACE") or HOST,
        endpoints=local_endpoints(actions_port),
        credentials=local_credentials(),
        action_token=os.environ["ACTION_SERVER_TOKEN"],
    )
    assistant = Assistant(config)
    python = sys.executable
    retention = Service(
        "retention",
        [python, "-m", "privacy.retention"]
        + ["--days", os.environ.get("RETENTION_DAYS") or "30"]
        + ["--every", str(RETENTION_INTERVAL_S)],
        log_path=LOG_DIR / "retention.log",
        cwd=REPO,
        append_log=True,
    )
    helpers = [retention.start()]
    actions = assistant.actions_service().start()
    helpers.append(actions)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        wait_http(f"{config.actions_url}/health", timeout=120, service=actions)
        print(f"Action server: {config.actions_url} (log: logs/actions.log)")
        if shell:
            return subprocess.call(
                [python, "-m", "rasa", "shell", "--model", str(config.model)]
                + ["--endpoints", str(config.endpoints)],
                cwd=REPO,
            )
        web = Service(
            "widget",
            [python, "widget/server.py", "--port", str(widget_port)],
            log_path=LOG_DIR / "widget.log",
            cwd=REPO,
            env=dict(os.environ, WIDGET_RASA_URL=f"http://localhost:{rasa_port}"),
        )
        helpers.append(web.start())
        console = console_service()
        if console is not None:
            helpers.append(console.start())
        threading.Thread(
            target=_announce, args=(config, widget_port), daemon=True
        ).start()
        # Rasa in the foreground: its log is this terminal, as with `rasa run`, but
        # for third-party warnings, which go to logs/warnings.log.
        rasa = assistant.rasa_service()
        print(f"(third-party warnings go to {WARNINGS_LOG.relative_to(REPO)})")
        return run_quietly(rasa.command, WARNINGS_LOG, cwd=rasa.cwd, env=rasa.env)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        for helper in reversed(helpers):
            helper.stop()


def _announce(config: AssistantConfig, widget_port: int) -> None:
    try:
        wait_http(f"{config.url}/", timeout=config.startup_timeout)
    except ServerError:
        return
    print(ready_banner(config.rasa_port, widget_port), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``make run`` (``python -m supervisor.local``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shell", action="store_true", help="chat in the terminal")
    args = parser.parse_args(argv)
    return serve(shell=args.shell)


if __name__ == "__main__":
    sys.exit(main())
