"""Command line: ``e2e run [PATH ...] [--url ...] [--junit ...] [--html ...]``.

Also ``python -m e2e``. ``--url`` and ``--token`` default to ``E2E_URL`` and
``E2E_TOKEN`` (``make test-e2e-suite`` and ``python -m supervisor run`` set both;
``RASA_TOKEN`` is read too), ``--rest-token`` to ``E2E_REST_TOKEN`` or ``REST_TOKEN``,
so a shell that started ``make run`` with its tokens set can run the cases as is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from e2e import generate
from e2e.case_files import load_suite
from e2e.cases import CaseFileError, Suite
from e2e.coverage import load_exemptions, measure, write_coverage
from e2e.domain_check import check_suite, default_domain_path, load_domain
from e2e.record import record
from e2e.report import (
    console_summary,
    progress_line,
    write_html,
    write_junit,
    write_yaml_results,
)
from e2e.runner import AssistantError, AuthError, CaseResult, SuiteResult, run_suite

DEFAULT_PATHS = ("tests/e2e",)
DEFAULT_URL = "http://localhost:5005"
EXIT_FAILED = 1
EXIT_USAGE = 2


def _parse_fixture(text: str) -> tuple[str, dict[str, Any]]:
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
        type=_parse_fixture,
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


def record_command(args: argparse.Namespace) -> int:
    """Write the conversation as a case; exit code 2 when it cannot be read."""
    try:
        case = record(
            url=args.url,
            conversation=args.conversation,
            token=args.token,
            out=args.out,
            name=args.name,
        )
    except (AssistantError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    users = sum(1 for step in case["steps"] if "user" in step)
    print(f"wrote {case['test_case']} ({users} user messages) to {args.out}")
    return 0


def _save_transcripts(results: list[CaseResult], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for result in results:
        data = {
            "case": result.case.name,
            "where": result.case.where,
            "sender": result.sender,
            "conversation_id": result.conversation_id,
            "passed": result.passed,
            "turns": [turn.to_dict() for turn in result.turns],
        }
        (folder / f"{result.case.name}.json").write_text(
            json.dumps(data, indent=1), encoding="utf-8"
        )


def without_stubbed_cases(
    suite: Suite, *, stub_port: int | None
) -> tuple[Suite, list[str]]:
    """The suite to run and the names of the stubbed cases left out.

    Stubbed cases need the runner's stub server; without one (``make run`` sends its
    actions straight to the action server) they are skipped, not failed.
    """
    if stub_port is not None:
        return suite, []
    skipped = [case.name for case in suite.cases if case.stubs]
    kept = tuple(case for case in suite.cases if not case.stubs)
    return Suite(cases=kept), skipped


def run_command(args: argparse.Namespace) -> int:
    """Load the cases, run them, write the reports; exit code 0 only when all passed."""
    try:
        suite = load_suite(args.paths, fixture_overrides=dict(args.fixture)).select(
            args.case
        )
    except CaseFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not suite.cases:
        print("error: no test cases found", file=sys.stderr)
        return EXIT_USAGE
    domain_path = args.domain or default_domain_path()
    wants_coverage = args.coverage is not None or args.coverage_threshold is not None
    if wants_coverage and domain_path is None:
        print("error: coverage needs the domain (--domain PATH)", file=sys.stderr)
        return EXIT_USAGE
    exempt: dict[str, str] = {}
    if wants_coverage and args.coverage_exempt is not None:
        assert domain_path is not None
        try:
            exempt = load_exemptions(args.coverage_exempt)
        except ValueError as error:
            print(f"error: --coverage-exempt {error}", file=sys.stderr)
            return EXIT_USAGE
        nothing = SuiteResult(results=[], seconds=0.0, url=args.url)
        unknown = measure(
            nothing, load_domain(domain_path), exempt=exempt
        ).unknown_exemptions()
        if unknown:
            print(
                f"error: {args.coverage_exempt}: not in any coverage table:"
                f" {', '.join(unknown)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    if not args.no_domain_check:
        if domain_path is None:
            logging.getLogger(__name__).warning(
                "no domain found: names are not checked (--domain PATH)"
            )
        else:
            errors = check_suite(suite, load_domain(domain_path))
            for message in errors:
                print(f"error: {message}", file=sys.stderr)
            if errors:
                print(
                    f"error: {len(errors)} name(s) not in the domain {domain_path}",
                    file=sys.stderr,
                )
                return EXIT_USAGE
    suite, skipped = without_stubbed_cases(suite, stub_port=args.stub_port)
    if skipped:
        note = (
            f"{len(skipped)} case(s) stub custom actions ({skipped[0]}, ...), which"
            " needs --stub-port PORT and the assistant's action_endpoint at"
            " http://127.0.0.1:PORT/webhook (make test-e2e-suite does both)"
        )
        if not suite.cases:
            print(f"error: {note}", file=sys.stderr)
            return EXIT_USAGE
        print(f"skipping {note}", flush=True)

    def show(result: CaseResult) -> None:
        if not args.quiet:
            print(progress_line(result), flush=True)

    api = f" (HTTP API at {args.api_url})" if args.api_url else ""
    print(
        f"running {len(suite.cases)} cases against {args.url}{api}"
        f" with {args.workers} workers",
        flush=True,
    )
    try:
        outcome = asyncio.run(
            run_suite(
                suite,
                url=args.url,
                api_url=args.api_url,
                token=args.token,
                rest_token=args.rest_token,
                workers=args.workers,
                timeout=args.timeout,
                fail_fast=args.fail_fast,
                stub_port=args.stub_port,
                actions_url=args.actions_url,
                on_result=show,
            )
        )
    except AuthError as error:
        print(f"error: the assistant at {args.url}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except AssistantError as error:
        print(
            f"error: the assistant at {args.url} is not reachable: {error}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    outcome.skipped = skipped
    if args.junit:
        write_junit(outcome, args.junit)
    if args.html:
        write_html(outcome, args.html)
    if args.save_transcripts:
        _save_transcripts(outcome.results, args.save_transcripts)
    if args.e2e_results:
        write_yaml_results(outcome, args.e2e_results)
    print(console_summary(outcome), flush=True)
    if wants_coverage:
        assert domain_path is not None
        coverage = measure(outcome, load_domain(domain_path), exempt=exempt)
        print(coverage.summary(), flush=True)
        if args.coverage is not None:
            write_coverage(coverage, args.coverage)
        if args.coverage_threshold is not None:
            below = coverage.below(args.coverage_threshold)
            if below:
                print(
                    f"coverage below {args.coverage_threshold:g}%: {', '.join(below)}",
                    flush=True,
                )
                return EXIT_FAILED
    return 0 if outcome.failed == 0 else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m e2e``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command == "run":
        return run_command(args)
    if args.command == "record":
        return record_command(args)
    if args.command == "generate":
        count = generate.write(args.out)
        print(f"wrote {count} cases to {args.out}")
        return 0
    return EXIT_USAGE
