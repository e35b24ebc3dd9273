"""Console summary, JUnit XML, YAML results and a self-contained HTML report of a run."""

from __future__ import annotations

import datetime as _dt
import html
import xml.etree.ElementTree as ET
from pathlib import Path

from ruamel.yaml import YAML

from e2e.runner import CaseResult, SuiteResult
from e2e.transcript import transcript_lines

_SPEAKER_LABEL = {
    "user": "user",
    "bot": "bot",
    "slot": "  slot",
    "action": "  action",
    "note": "  --",
}


def progress_line(result: CaseResult) -> str:
    """One line per finished case, printed while the suite runs."""
    status = "PASS" if result.passed else "FAIL"
    return f"{status}  {result.case.name}  ({result.seconds:.1f}s)"


def failure_text(result: CaseResult) -> str:
    """The transcript so far, the failing step, and what was expected and actual."""
    where = f"{result.case.where}, conversation {result.conversation_id}"
    lines = [f"=== FAILED: {result.case.name}  ({where})"]
    lines.append("transcript:")
    for speaker, text in transcript_lines(result.turns):
        lines.append(f"  {_SPEAKER_LABEL.get(speaker, speaker):>8}: {text}")
    if result.error:
        lines.append(f"error talking to the assistant: {result.error}")
    if len(result.failures) > 1:
        lines.append(f"{len(result.failures)} failures:")
    for failure in result.failures:
        lines.append(failure.describe())
    return "\n".join(lines)


def console_summary(suite: SuiteResult) -> str:
    """Details of every failure, then a final line exactly ``N passed, M failed``."""
    parts = [failure_text(r) for r in suite.results if not r.passed]
    if parts:
        parts.append("")
    failed_names = [r.case.name for r in suite.results if not r.passed]
    if failed_names:
        parts.append("failed cases: " + ", ".join(failed_names))
    parts.append(
        f"ran {len(suite.results)} cases against {suite.url} in {suite.seconds:.1f}s"
    )
    if suite.not_run:
        parts.append(
            f"--fail-fast: stopped after the first failure, {suite.not_run} cases not run"
        )
    if suite.skipped:
        parts.append("skipped (they stub custom actions): " + ", ".join(suite.skipped))
    last = f"{suite.passed} passed, {suite.failed} failed"
    parts.append(last + (f", {len(suite.skipped)} skipped" if suite.skipped else ""))
    return "\n".join(parts)


def write_junit(suite: SuiteResult, path: Path) -> None:
    """JUnit XML: one ``testsuite`` per case file, one ``testcase`` per case."""
    root = ET.Element(
        "testsuites",
        name="e2e",
        tests=str(len(suite.results)),
        failures=str(suite.failed),
        time=f"{suite.seconds:.3f}",
    )
    by_file: dict[str, list[CaseResult]] = {}
    for result in suite.results:
        by_file.setdefault(result.case.file, []).append(result)
    for file, results in by_file.items():
        failures = sum(1 for r in results if r.failure)
        errors = sum(1 for r in results if r.error)
        node = ET.SubElement(
            root,
            "testsuite",
            name=file,
            tests=str(len(results)),
            failures=str(failures),
            errors=str(errors),
            time=f"{sum(r.seconds for r in results):.3f}",
        )
        for result in results:
            case = ET.SubElement(
                node,
                "testcase",
                classname=file,
                name=result.case.name,
                time=f"{result.seconds:.3f}",
            )
            transcript = "\n".join(
                f"{s}: {t}" for s, t in transcript_lines(result.turns)
            )
            if result.failure:
                failure = ET.SubElement(
                    case,
                    "failure",
                    message="; ".join(f.step.describe() for f in result.failures),
                )
                failure.text = failure_text(result)
            elif result.error:
                error = ET.SubElement(case, "error", message=result.error[:200])
                error.text = failure_text(result)
            out = ET.SubElement(case, "system-out")
            out.text = f"conversation: {result.conversation_id}\n{transcript}"
    # Skipped (stubbed) cases stay out: safety/figures.py reads every <testcase>
    # without a <failure> as a passed conversation.
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def result_entry(result: CaseResult) -> dict[str, object]:
    """One case's outcome as plain data (the YAML results)."""
    entry: dict[str, object] = {
        "name": result.case.name,
        "file": result.case.where,
        "run": f"{result.case.file}::{result.case.name}",
        "status": "passed" if result.passed else "failed",
        "conversation_id": result.conversation_id,
        "seconds": round(result.seconds, 2),
    }
    if result.failures:
        entry["failures"] = [
            {
                "turn": f.turn,
                "line": f.step.where,
                "step": f.step.describe(),
                "expected": f.expected,
                "actual": f.actual,
            }
            for f in result.failures
        ]
    if result.error:
        entry["error"] = result.error
    return entry


def write_yaml_results(suite: SuiteResult, folder: Path) -> list[Path]:
    """``e2e_results.yml`` (every case), ``passed.yml`` and ``failed.yml`` in ``folder``.

    Each entry names the case, its ``file:line``, its ``file::case`` (to run it
    again), its status and, for a failure, every failing step with what was
    expected and what the bot did.
    """
    folder.mkdir(parents=True, exist_ok=True)
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    yaml.width = 4096  # type: ignore[assignment]
    entries = [result_entry(r) for r in suite.results]
    written = []
    for name, chosen in (
        ("e2e_results.yml", entries),
        ("passed.yml", [e for e in entries if e["status"] == "passed"]),
        ("failed.yml", [e for e in entries if e["status"] == "failed"]),
    ):
        path = folder / name
        with path.open("w", encoding="utf-8") as out:
            yaml.dump({"test_results": chosen}, out)
        written.append(path)
    return written


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2330;max-width:70rem}
h1{font-size:1.5rem} .summary{font-size:1.1rem;margin:1rem 0}
.pass{color:#176b2c} .fail{color:#a3161b}
details{border:1px solid #d5d9e0;border-radius:6px;margin:.5rem 0;padding:.3rem .8rem}
details.failed{border-color:#a3161b;background:#fff7f7}
summary{cursor:pointer;font-weight:600}
.meta{color:#5b6270;font-size:.85rem;margin:.3rem 0}
.chat{margin:.6rem 0;display:flex;flex-direction:column;gap:.25rem}
.msg{padding:.35rem .7rem;border-radius:12px;max-width:80%;white-space:pre-wrap;overflow-wrap:anywhere}
.user{align-self:flex-end;background:#dbe9ff}
.bot{align-self:flex-start;background:#eef0f3}
.aside{align-self:flex-start;color:#5b6270;font-size:.8rem;font-family:ui-monospace,monospace}
.name{display:block;color:#5b6270;font-size:.75rem;font-family:ui-monospace,monospace}
.buttons{display:block;margin-top:.2rem;font-size:.85rem;color:#30548f}
.why{background:#fde8e8;border-left:4px solid #a3161b;padding:.5rem .8rem;white-space:pre-wrap;
font-family:ui-monospace,monospace;font-size:.85rem;overflow-wrap:anywhere}
.steps{font-family:ui-monospace,monospace;font-size:.8rem;color:#3b4250;white-space:pre-wrap}
.turn{display:flex;flex-direction:column;gap:.25rem;padding:.2rem .3rem;border-radius:6px}
.turn-label{color:#5b6270;font-size:.75rem;font-family:ui-monospace,monospace}
.turn.failed-turn{outline:2px solid #a3161b;background:#fff0f0}
.turn-why{color:#a3161b;font-size:.8rem;font-family:ui-monospace,monospace;white-space:pre-wrap}
"""


def _chat_html(result: CaseResult) -> str:
    """The conversation as chat bubbles, one numbered block per turn.

    Bot bubbles name the response they came from; a turn with a failing step is
    outlined, labelled "failed here" and followed by what was expected.
    """
    from e2e.transcript import FROM_REPLIES_NOTE, bot_message, deletion_note

    failed_turns = result.failed_turns
    out: list[str] = []
    for number, turn in enumerate(result.turns):
        bubbles: list[str] = []
        if turn.user is not None:
            user = (
                turn.user
                if len(turn.user) <= 600
                else f"{turn.user[:600]}… ({len(turn.user)} characters)"
            )
            intent = (
                f"intent {turn.intent[0]} ({turn.intent[1]:.2f})"
                if turn.intent
                else "no intent"
            )
            bubbles.append(
                f'<div class="msg user">{html.escape(user) or "<i>(empty message)</i>"}'
                f'<span class="name">{html.escape(intent)}</span></div>'
            )
        for event in turn.preamble + turn.events:
            kind = event.get("event")
            if kind == "bot":
                message = bot_message(event)
                buttons = (
                    f'<span class="buttons">{" · ".join(html.escape(b) for b in message.buttons)}</span>'
                    if message.buttons
                    else ""
                )
                bubbles.append(
                    f'<div class="msg bot">{html.escape(message.text or "")}{buttons}'
                    f'<span class="name">{html.escape(message.response or "(no response name)")}</span></div>'
                )
            elif kind == "slot" and event.get("name") in ("triage_level", "red_flags"):
                bubbles.append(
                    f'<div class="aside">{html.escape(str(event.get("name")))} = '
                    f"{html.escape(repr(event.get('value')))}</div>"
                )
            elif kind == "restart":
                bubbles.append('<div class="aside">conversation restarted</div>')
        notes = [FROM_REPLIES_NOTE] if turn.from_replies else []
        if turn.still_stored is not None:
            notes.append(deletion_note(turn.still_stored))
        bubbles += [f'<div class="aside">{html.escape(note)}</div>' for note in notes]
        label = "session start" if number == 0 else f"turn {number}"
        css = "turn"
        why = ""
        if number in failed_turns:
            css += " failed-turn"
            label += " — failed here"
            why = "".join(
                f'<div class="turn-why">{html.escape(f.describe())}</div>'
                for f in result.failures
                if f.turn == number
            )
        if not bubbles and not why:
            continue
        out.append(
            f'<div class="{css}" id="{html.escape(result.conversation_id)}-turn-{number}">'
            f'<span class="turn-label">{html.escape(label)}</span>'
            f"{''.join(bubbles)}{why}</div>"
        )
    return "\n".join(out)


def _case_html(result: CaseResult) -> str:
    status = "passed" if result.passed else "failed"
    css = "pass" if result.passed else "fail"
    why = ""
    if result.failures:
        why = "".join(
            f'<div class="why">{html.escape(f.describe())} '
            f'<a href="#{html.escape(result.conversation_id)}-turn-{f.turn}">(show the turn)</a></div>'
            for f in result.failures
        )
    elif result.error:
        why = f'<div class="why">{html.escape("error talking to the assistant: " + result.error)}</div>'
    steps = "\n".join(html.escape(step.describe()) for step in result.case.steps)
    return (
        f'<details class="{status}"{" open" if not result.passed else ""}>'
        f'<summary><span class="{css}">{status.upper()}</span> {html.escape(result.case.name)}</summary>'
        f'<div class="meta">{html.escape(result.case.where)} · conversation {html.escape(result.conversation_id)}'
        f" · {result.seconds:.1f}s</div>{why}"
        f'<div class="chat">{_chat_html(result)}</div>'
        f'<details><summary>steps of this case</summary><div class="steps">{steps}</div></details>'
        "</details>"
    )


def write_html(suite: SuiteResult, path: Path, *, title: str | None = None) -> None:
    """A single HTML file (no scripts, no external assets) with every transcript."""
    title = title or "Conversation tests"
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    ordered = sorted(suite.results, key=lambda r: r.passed)  # failures first
    body = "\n".join(_case_html(r) for r in ordered)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="summary"><span class="pass">{suite.passed} passed</span>, '
        f'<span class="fail">{suite.failed} failed</span> — {len(suite.results)} conversations with '
        f"{html.escape(suite.url)}, {suite.seconds:.1f}s, {html.escape(when)}</p>"
        '<p class="meta">Each conversation is a scripted test: the person\'s messages (right), the '
        "assistant's replies (left, with the name of the reviewed response each came from) and the "
        "triage level as it was set. Failed conversations are open and listed first.</p>"
        f"{body}</body></html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
