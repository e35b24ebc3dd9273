r"""``python -m supervisor``: start and stop the assistant's servers from any tool.

# run a command against freshly started servers; they are stopped afterwards,
# whatever happens, and the command's exit code is returned
python -m supervisor run --rasa-port 5205 --actions-port 5255 --token secret -- \\
        python -m e2e run --url http://127.0.0.1:5205 --token secret

# or keep them running between commands (the widget's browser tests do)
python -m supervisor start --state-file build/e2e/servers.json ...
python -m supervisor spawn --state-file build/e2e/servers.json \\
        --wait http://127.0.0.1:8000/ web -- python widget/server.py --port 8000
python -m supervisor restart-rasa --kill --state-file build/e2e/servers.json
python -m supervisor stop --state-file build/e2e/servers.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from supervisor.assistant import REPO, Assistant, AssistantConfig
from supervisor.process import (
    ServerError,
    Service,
    pid_alive,
    stop_process_group,
    wait_http,
)

PATH_FIELDS: tuple[str, ...] = ("model", "project_dir", "actions_dir", "log_dir")
PATH_FIELDS += ("python", "credentials", "endpoints")


def config_from_args(args: argparse.Namespace) -> AssistantConfig:
    """The assistant described on the command line."""
    env = dict(item.split("=", 1) for item in args.env)
    return AssistantConfig(
        model=Path(args.model),
        rasa_port=args.rasa_port,
        actions_port=args.actions_port,
        token=args.token,
        actions_dir=Path(args.actions_dir) if args.actions_dir else None,
        log_dir=Path(args.log_dir).resolve(),
        startup_timeout=args.timeout,
        env=env,
        credentials=Path(args.credentials).resolve() if args.credentials else None,
        endpoints=Path(args.endpoints).resolve() if args.endpoints else None,
        endpoints_extra=args.endpoints_extra,
    )


def _config_to_json(config: AssistantConfig) -> dict:
    data = dataclasses.asdict(config)
    for name in PATH_FIELDS:
        if data[name] is not None:
            data[name] = str(data[name])
    return data


def _config_from_json(data: dict) -> AssistantConfig:
    values = dict(data)
    for name in PATH_FIELDS:
        if values.get(name) is not None:
            values[name] = Path(values[name])
    return AssistantConfig(**values)


class State:
    """What ``start`` and ``spawn`` left running, in a JSON file."""

    def __init__(self, path: Path) -> None:
        """Read ``path`` if it exists."""
        self.path = path
        data = json.loads(path.read_text()) if path.is_file() else {}
        self.assistant: dict | None = data.get("assistant")
        self.pids: dict[str, int] = data.get("pids", {})

    def save(self) -> None:
        """Write the state."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(
            json.dumps({"assistant": self.assistant, "pids": self.pids}, indent=1)
        )


def _command(args: argparse.Namespace) -> list[str]:
    """The command given after ``--`` (empty, with an error printed, when none)."""
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("error: give the command to run after --", file=sys.stderr)
    return command


def _run(args: argparse.Namespace) -> int:
    command = _command(args)
    if not command:
        return 2
    config = config_from_args(args)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        with Assistant(config):
            print(
                f"servers ready: rasa {config.url}, actions {config.actions_url}",
                flush=True,
            )
            env = dict(os.environ, E2E_URL=config.url, E2E_TOKEN=config.token or "")
            return subprocess.call(command, env=env)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130


def _start(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    assistant = Assistant(config)
    try:
        assistant.start()
    except ServerError as error:
        assistant.stop()
        print(f"error: {error}", file=sys.stderr)
        return 2
    state = State(Path(args.state_file))
    state.assistant = _config_to_json(config)
    state.pids.update({name: s.pid for name, s in assistant.services.items() if s.pid})
    state.save()
    print(
        f"servers ready: rasa {config.url}, actions {config.actions_url} "
        f"(state {args.state_file})"
    )
    return 0


def _spawn(args: argparse.Namespace) -> int:
    command = _command(args)
    if not command:
        return 2
    state = State(Path(args.state_file))
    log = Path(args.log or Path(args.state_file).parent / f"{args.name}.log")
    service = Service(args.name, command, log_path=log, cwd=Path.cwd()).start()
    return _record_and_wait(state, service, args.wait, args.timeout, "running")


def _restart_rasa(args: argparse.Namespace) -> int:
    state = State(Path(args.state_file))
    if state.assistant is None:
        print(f"error: no assistant in {args.state_file}", file=sys.stderr)
        return 2
    assistant = Assistant(_config_from_json(state.assistant))
    stop_process_group(state.pids.pop("rasa", None), kill=args.kill)
    if args.down:
        state.save()
        print("rasa stopped")
        return 0
    rasa = assistant.rasa_service(append_log=True).start()
    return _record_and_wait(
        state, rasa, assistant.config.ready_url, args.timeout, "restarted"
    )


def _record_and_wait(
    state: State, service: Service, url: str | None, timeout: float, done: str
) -> int:
    """Remember ``service`` in the state file, then wait for ``url`` (if any)."""
    state.pids[service.name] = service.pid or 0
    state.save()
    if url:
        try:
            wait_http(url, timeout=timeout, service=service)
        except ServerError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"{service.name} {done} (pid {service.pid})")
    return 0


def _stop(args: argparse.Namespace) -> int:
    state_file = Path(args.state_file)
    if not state_file.is_file():
        print(f"nothing to stop: {state_file} not found")
        return 0
    state = State(state_file)
    for name, pid in state.pids.items():
        if pid_alive(pid):
            stop_process_group(pid)
            print(f"stopped {name} (pid {pid})")
    state_file.unlink()
    return 0


def add_assistant_options(parser: argparse.ArgumentParser) -> None:
    """Options that describe the assistant to start."""
    parser.add_argument("--model", default=str(REPO / "models/hamstring.tar.gz"))
    parser.add_argument(
        "--rasa-port", type=int, default=int(os.environ.get("E2E_RASA_PORT", "5205"))
    )
    parser.add_argument(
        "--actions-port",
        type=int,
        default=int(os.environ.get("E2E_ACTIONS_PORT", "5255")),
    )
    parser.add_argument(
        "--token", default=os.environ.get("E2E_TOKEN", "e2e-local-token")
    )
    parser.add_argument("--actions-dir", help="folder holding the actions package")
    parser.add_argument("--log-dir", default="build/e2e")
    parser.add_argument("--credentials", help="credentials file (default: REST only)")
    parser.add_argument("--endpoints", help="endpoints file (default: written)")
    parser.add_argument(
        "--endpoints-extra", default="", help="YAML added to the written endpoints"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment for both servers (repeatable)",
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for start-up"
    )


def build_parser(prog: str = "python -m supervisor") -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Start and stop the assistant's servers."
    )
    commands = parser.add_subparsers(dest="action", required=True)
    run = commands.add_parser("run", help="start servers, run a command, stop servers")
    add_assistant_options(run)
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- command to run")
    start = commands.add_parser("start", help="start servers and leave them running")
    add_assistant_options(start)
    start.add_argument("--state-file", default="build/e2e/servers.json")
    spawn = commands.add_parser(
        "spawn", help="start one more server, leave it running (options before NAME)"
    )
    spawn.add_argument("--state-file", default="build/e2e/servers.json")
    spawn.add_argument("--log", help="log file (default: <name>.log beside the state)")
    spawn.add_argument("--wait", metavar="URL", help="wait until URL answers 200")
    spawn.add_argument("--timeout", type=float, default=60.0)
    spawn.add_argument("name")
    spawn.add_argument("command", nargs=argparse.REMAINDER, help="-- command to run")
    restart = commands.add_parser("restart-rasa", help="stop and start the Rasa server")
    restart.add_argument("--state-file", default="build/e2e/servers.json")
    restart.add_argument("--kill", action="store_true", help="SIGKILL, as a crash")
    restart.add_argument("--down", action="store_true", help="stop it only")
    restart.add_argument("--timeout", type=float, default=600.0)
    stop = commands.add_parser("stop", help="stop what 'start' and 'spawn' started")
    stop.add_argument("--state-file", default="build/e2e/servers.json")
    return parser


def main(
    argv: Sequence[str] | None = None, *, prog: str = "python -m supervisor"
) -> int:
    """Entry point."""
    args = build_parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    actions = {
        "run": _run,
        "start": _start,
        "spawn": _spawn,
        "restart-rasa": _restart_rasa,
        "stop": _stop,
    }
    return actions[args.action](args)


if __name__ == "__main__":
    sys.exit(main())
