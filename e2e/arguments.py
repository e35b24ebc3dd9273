"""The options of ``e2e run``, ``e2e record`` and ``e2e generate`` (``build_parser``).

``--url`` and ``--token`` default to ``E2E_URL`` and ``E2E_TOKEN`` (``make
test-e2e-suite`` and ``python -m supervisor run`` set both; ``RASA_TOKEN`` is read
too), ``--rest-token`` to ``E2E_REST_TOKEN`` or ``REST_TOKEN``, so a shell that
started ``make run`` with its tokens set can run the cases as is.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from e2e import generate

DEFAULT_PATHS = ("tests/e2e",)
DEFAULT_URL = "http://localhost:5005"


def parse_fixture(text: str) -> tuple[str, dict[str, Any]]:
    """``NAME=<YAML mapping>`` or ``NAME=@file.yml`` into a fixture name and its slots."""
    name, sep, body = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=MAPPING, got {text!r}")
    if body.startswith("@"):
        body = Path(body[1:]).read_text(encoding="utf-8")
    try:
        slots = YAML(typ="safe").load(body)
    except YAMLError as error:
        raise argparse.ArgumentTypeError(
            f"--fixture {name}: not YAML: {error}"
        ) from error
    if isinstance(slots, list):
        merged: dict[str, Any] = {}
        for item in slots:
            if isinstance(item, dict):
                merged.update(item)
        slots = merged
    if not isinstance(slots, dict):
        raise argparse.ArgumentTypeError(
            f"--fixture {name}: expected a mapping of slot: value"
        )
    return name, slots


def _env(*names: str) -> str | None:
    """The first of the environment variables ``names`` that is set and not empty."""
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--url`` and ``--token`` of the Rasa server (``run`` and ``record``)."""
    parser.add_argument(
        "--url",
        default=os.environ.get("E2E_URL") or DEFAULT_URL,
        help=f"Rasa server URL (default: E2E_URL, else {DEFAULT_URL})",
    )
    parser.add_argument(
        "--token",
        default=_env("E2E_TOKEN", "RASA_TOKEN"),
        help="auth token of the Rasa HTTP API, its --auth-token"
        " (default: E2E_TOKEN, else RASA_TOKEN)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m e2e`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="e2e",
        description="End-to-end conversation tests against a running Rasa assistant.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run test cases (Rasa Pro e2e YAML format)")
    run.add_argument(
        "paths",
        nargs="*",
        default=list(DEFAULT_PATHS),
        help="case files or folders, or FILE::CASE for one case (default: tests/e2e)",
    )
    _add_server_options(run)
    run.add_argument(
        "--api-url",
        default=os.environ.get("E2E_API_URL") or None,
        help="the Rasa HTTP API (tracker, fixtures, /status) when it is not at --url,"
        " e.g. behind nginx, which routes only the REST webhook"
        " (default: E2E_API_URL, else --url)",
    )
    run.add_argument(
        "--rest-token",
        default=_env("E2E_REST_TOKEN", "REST_TOKEN"),
        help="bearer token of the REST channel (default: E2E_REST_TOKEN, else REST_TOKEN)",
    )
    run.add_argument(
        "--fail-fast",
        action="store_true",
        help="start no new case after the first failure",
    )
    run.add_argument(
        "--e2e-results",
        type=Path,
        default=None,
        metavar="DIR",
        help="write e2e_results.yml, passed.yml and failed.yml here",
    )
    run.add_argument(
        "--coverage",
        type=Path,
        default=None,
        metavar="DIR",
        help="print what the run exercised (responses, intents, actions, red flags x"
        " contexts) and write coverage.json and coverage.md here",
    )
    run.add_argument(
        "--coverage-threshold",
        type=float,
        default=None,
        metavar="PERCENT",
        help="fail (exit 1) when a coverage table is below this percentage",
    )
    run.add_argument(
        "--coverage-exempt",
        type=Path,
        default=None,
        metavar="FILE",
        help="YAML of 'name: why no conversation can exercise it': left out of the"
        " coverage tables and listed apart",
    )
    run.add_argument(
        "--domain",
        type=Path,
        default=None,
        help="domain file or folder to check names against (default: ./domain or ./domain.yml)",
    )
    run.add_argument(
        "--no-domain-check",
        action="store_true",
        help="do not check response, slot, intent and action names against the domain",
    )
    run.add_argument(
        "--stub-port",
        type=int,
        default=int(os.environ["E2E_STUB_PORT"])
        if os.environ.get("E2E_STUB_PORT")
        else None,
        help="answer stub_custom_actions on this port (the assistant's action_endpoint"
        " must point here; default: E2E_STUB_PORT)",
    )
    run.add_argument(
        "--actions-url",
        default=os.environ.get("E2E_ACTIONS_URL") or "http://127.0.0.1:5055",
        help="the real action server, for actions no case stubs (default: E2E_ACTIONS_URL)",
    )
    run.add_argument("--junit", type=Path, default=None, help="write JUnit XML here")
    run.add_argument(
        "--html", type=Path, default=None, help="write the HTML report here"
    )
    run.add_argument(
        "--workers", type=int, default=4, help="conversations run at once (default 4)"
    )
    run.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for one HTTP answer",
    )
    run.add_argument(
        "--fixture",
        action="append",
        default=[],
        type=parse_fixture,
        metavar="NAME=MAPPING",
        help="replace slot values of a fixture, e.g. 'clinic={clinic_phone: \"+1 555 0100\"}' or clinic=@file.yml",
    )
    run.add_argument(
        "-k",
        "--case",
        action="append",
        default=[],
        help="only cases with this name (glob)",
    )
    run.add_argument(
        "--save-transcripts",
        type=Path,
        default=None,
        help="write each case's turns as JSON here",
    )
    run.add_argument(
        "-q", "--quiet", action="store_true", help="no line per finished case"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    rec = commands.add_parser(
        "record", help="turn a real conversation (by its id) into a test case"
    )
    rec.add_argument(
        "conversation",
        help="the conversation id as the safety console, the tracker store and the"
        " reports show it: <channel>:<id>, e.g. rest:me, telegram:12345, web:<session>",
    )
    rec.add_argument(
        "--out", type=Path, required=True, help="case file to add the case to"
    )
    rec.add_argument(
        "--name", default=None, help="test case name (default: from the id)"
    )
    _add_server_options(rec)
    gen = commands.add_parser(
        "generate",
        help="write the red-flag cases generated from the triage table",
    )
    gen.add_argument(
        "--out", type=Path, default=generate.DEFAULT_OUT, help="case file to write"
    )
    return parser
