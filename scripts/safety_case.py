#!/usr/bin/env python3
"""Validate the hazard register and write the clinical safety case report.

Usage::

    python scripts/safety_case.py [--register safety/hazard_log.yml]
                                  [--output reports/safety-case.md] [--check]

The register (``safety/hazard_log.yml``) is loaded and validated: every field present,
severities and likelihoods from DCB0129's scales, every test file, pytest node id, e2e
case, make target and figure it cites found in the repository (nothing is run). The
report has a summary table, the latest figures that earlier test runs left behind,
the risk matrix, and one section per hazard with its controls and their evidence.
Exit status 1 when the register is invalid; ``--check`` validates without writing.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import sys
from collections import Counter
from pathlib import Path

from safety.figures import (
    FIGURES,
    NOT_RUN,
    README_SOURCE,
    Figure,
    e2e_case_results,
    read_figures,
)
from safety.register import (
    LIKELIHOODS,
    RISK_MATRIX,
    RISK_MEANINGS,
    SEVERITIES,
    Assessment,
    Evidence,
    Hazard,
    Register,
    RegisterError,
    load_register,
)

logger = logging.getLogger("safety_case")

REPO_ROOT = Path(__file__).resolve().parents[1]

DEFAULT_REGISTER = REPO_ROOT / "safety" / "hazard_log.yml"
DEFAULT_OUTPUT = REPO_ROOT / "reports" / "safety-case.md"


def _cell(text: str) -> str:
    """Text made safe for a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def risk_text(assessment: Assessment) -> str:
    """``3 (major, low)``: the rating with the words it comes from."""
    return f"{assessment.rating} ({assessment.severity}, {assessment.likelihood})"


def summary_table(register: Register) -> list[str]:
    """One row per hazard: initial and residual risk, status, number of controls."""
    lines = [
        "| hazard | title | initial risk | residual risk | status | controls |",
        "|---|---|---|---|---|---|",
    ]
    for hazard in register.hazards:
        lines.append(
            f"| [{hazard.id}](#{hazard.id.lower()}) | {_cell(hazard.title)} "
            f"| {risk_text(hazard.initial)} | {risk_text(hazard.residual)} "
            f"| {hazard.status} | {len(hazard.controls)} |"
        )
    return lines


def figures_table(figures: list[Figure]) -> list[str]:
    """The latest figures and the file each was read from."""
    lines = ["| figure | latest value | read from |", "|---|---|---|"]
    for figure in figures:
        lines.append(
            f"| `{figure.name}`: {_cell(figure.title)} | {_cell(figure.value)} "
            f"| {_cell(figure.source)} |"
        )
    return lines


def matrix_table() -> list[str]:
    """DCB0129's risk matrix, most likely first, with what each rating means."""
    lines = [
        "| likelihood \\ severity | " + " | ".join(SEVERITIES) + " |",
        "|---" * (len(SEVERITIES) + 1) + "|",
    ]
    for likelihood in reversed(LIKELIHOODS):
        ratings = " | ".join(str(r) for r in RISK_MATRIX[likelihood])
        lines.append(f"| **{likelihood}** | {ratings} |")
    lines.append("")
    lines += [f"- **{r}**: {RISK_MEANINGS[r]}" for r in sorted(RISK_MEANINGS)]
    return lines


def evidence_text(
    item: Evidence, figures: dict[str, Figure], e2e_results: dict[str, str]
) -> str:
    """One evidence item, with the figure's value or the last e2e result if known."""
    text = f"{item.kind}: `{item.ref}`"
    if item.kind == "figure":
        figure = figures[item.ref]
        text += f": {figure.value}; read from {figure.source}"
    elif item.kind == "test" and item.ref in e2e_results:
        text += f" (last e2e run: {e2e_results[item.ref]})"
    return text


def hazard_section(
    hazard: Hazard, figures: dict[str, Figure], e2e_results: dict[str, str]
) -> list[str]:
    """The Markdown section of one hazard."""
    lines = [
        f"### {hazard.id}",
        "",
        f"**{hazard.title}**",
        "",
        f"- Status: **{hazard.status}**",
        (
            f"- Initial risk: {risk_text(hazard.initial)}; "
            f"residual risk: {risk_text(hazard.residual)}"
        ),
        f"- Cause: {' '.join(hazard.cause.split())}",
        f"- Effect: {' '.join(hazard.effect.split())}",
    ]
    if hazard.notes:
        lines.append(f"- Notes: {' '.join(hazard.notes.split())}")
    lines += ["", "Controls:", ""]
    for number, control in enumerate(hazard.controls, 1):
        lines.append(f"{number}. {' '.join(control.description.split())}")
        lines += [
            f"   - {evidence_text(item, figures, e2e_results)}"
            for item in control.verified_by
        ]
    lines.append("")
    return lines


def render_report(
    register: Register,
    figures: list[Figure],
    e2e_results: dict[str, str],
    *,
    register_path: str,
    today: datetime.date,
) -> str:
    """The whole safety case as Markdown."""
    by_name = {figure.name: figure for figure in figures}
    statuses = Counter(hazard.status for hazard in register.hazards)
    worst = max(hazard.residual.rating for hazard in register.hazards)
    worst_ids = [h.id for h in register.hazards if h.residual.rating == worst]
    lines = [
        f"# Clinical safety case: {register.system}",
        "",
        (
            f"Generated on {today.isoformat()} by `scripts/safety_case.py` from "
            f"`{register_path}`. Risk ratings are computed from the matrix below."
        ),
        "",
        f"- Standard: {' '.join(register.standard.split())}",
        f"- Approval: {' '.join(register.approval.split())}",
        (
            f"- {len(register.hazards)} hazards: {statuses['open']} open, "
            f"{statuses['closed']} closed; highest residual risk {worst} "
            f"({', '.join(worst_ids)})"
        ),
        "",
        "## Summary",
        "",
        *summary_table(register),
        "",
        "## Latest figures",
        "",
        (
            "Read from the files earlier test runs left behind; nothing was run to write "
            f'this report. "{NOT_RUN}" means the file is absent.'
        ),
        "",
        *figures_table(figures),
        "",
        "## Risk matrix (DCB0129)",
        "",
        *matrix_table(),
        "",
        "## Hazards",
        "",
    ]
    for hazard in register.hazards:
        lines += hazard_section(hazard, by_name, e2e_results)
    return "\n".join(lines).rstrip() + "\n"


def log_summary(register: Register, figures: list[Figure]) -> None:
    """What the register holds and which figures were found, for the terminal."""
    hazards = register.hazards
    statuses = Counter(hazard.status for hazard in hazards)
    controls = [control for hazard in hazards for control in hazard.controls]
    evidence = sum(len(control.verified_by) for control in controls)
    logger.info(
        "%d hazards (%d open, %d closed), %d controls, %d evidence items: valid",
        len(hazards),
        statuses["open"],
        statuses["closed"],
        len(controls),
        evidence,
    )
    for rating in sorted({h.residual.rating for h in hazards}, reverse=True):
        ids = [h.id for h in hazards if h.residual.rating == rating]
        logger.info("residual risk %d: %s", rating, ", ".join(ids))
    for figure in figures:
        note = " [from README]" if figure.source == README_SOURCE else ""
        logger.info("%s: %s%s", figure.name, figure.value, note)


def main(argv: list[str]) -> int:
    """Validate the register, log a summary and write the report; 1 if invalid."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--register", type=Path, default=DEFAULT_REGISTER)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="validate only, write no report"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        register = load_register(
            args.register, repo_root=REPO_ROOT, known_figures=FIGURES
        )
    except RegisterError as error:
        logger.error("%s is invalid:", args.register)
        for problem in error.problems:
            logger.error("  %s", problem)
        return 1
    figures = read_figures(REPO_ROOT)
    log_summary(register, figures)
    if args.check:
        return 0
    path = args.register.resolve()
    shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    report = render_report(
        register,
        figures,
        e2e_case_results(REPO_ROOT),
        register_path=str(shown),
        today=datetime.date.today(),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    logger.info("wrote %s", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
