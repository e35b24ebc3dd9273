"""Command line: ``e2e run [PATH ...] [--url ...] [--junit ...] [--html ...]``.

Also ``python -m e2e``. This module carries out the commands (``run``, ``record``,
``generate``) and sets their exit codes; ``e2e/arguments.py`` declares their options
and the environment variables those default to.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from e2e import generate
from e2e.arguments import build_parser
from e2e.case_files import load_suite
from e2e.cases import CaseFileError, Suite
from e2e.coverage import load_exemptions, measure, write_coverage
from e2e.domain_check import check_suite, default_domain_path, load_domain
from e2e.rasa_client import AssistantError, AuthError
from e2e.record import record
from e2e.report import (
    console_summary,
    progress_line,
    write_html,
    write_junit,
    write_yaml_results,
)
from e2e.results import CaseResult, SuiteResult
from e2e.runner import run_suite

EXIT_FAILED = 1
EXIT_USAGE = 2


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
