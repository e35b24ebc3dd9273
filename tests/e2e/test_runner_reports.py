"""The runner's reports: the console summary, HTML, JUnit XML and YAML results."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ruamel.yaml import YAML

from e2e.cases import TestCase
from e2e.checking import check_all
from e2e.report import console_summary, write_html, write_junit, write_yaml_results
from e2e.runner import CaseResult, SuiteResult
from tests.e2e.utils.case_yaml import load_cases
from tests.e2e.utils.events import bot, session_start
from tests.e2e.utils.sample_cases import (
    ALL_ASSERTIONS,
    bruising_answer_turn,
    good_bruising_turns,
)


def test_reports_escape_text_and_end_with_the_counts(
    tmp_path: Path, bruising_case: TestCase
) -> None:
    turns = good_bruising_turns()
    turns[1].events.append(
        bot("utter_remedy_stretch", "<script>alert(1)</script> & more")
    )
    failing = CaseResult(case=bruising_case, sender="e2e-x", turns=turns)
    failing.failures = check_all(bruising_case, turns)
    passing = CaseResult(
        case=bruising_case, sender="e2e-y", turns=good_bruising_turns()
    )
    suite = SuiteResult(
        results=[passing, failing], seconds=1.5, url="http://127.0.0.1:5205"
    )

    summary = console_summary(suite)
    assert summary.splitlines()[-1] == "1 passed, 1 failed"
    assert "utter_not: utter_remedy_*" in summary
    assert "transcript:" in summary

    html_path = tmp_path / "report.html"
    write_html(suite, html_path)
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page

    junit_path = tmp_path / "junit.xml"
    write_junit(suite, junit_path)
    root = ET.parse(junit_path).getroot()
    assert root.get("tests") == "2" and root.get("failures") == "1"
    assert len(root.findall(".//failure")) == 1
    # The failing turn is numbered in the console and marked in the HTML.
    assert "[turn 1]" in summary
    assert "failed step in turn 1" in summary
    assert page.count("failed-turn") == 2  # the CSS rule and the one failing turn
    assert "turn 1 — failed here" in page


def test_yaml_results_are_split_into_passed_and_failed(tmp_path: Path) -> None:
    suite = load_cases(
        tmp_path, ALL_ASSERTIONS.replace("value: present", "value: absent")
    )
    case = suite.cases[0]
    turns = [session_start(), bruising_answer_turn()]
    failed = CaseResult(case=case, sender="e2e-a", turns=turns)
    failed.failures = check_all(case, turns)
    passed = CaseResult(
        case=TestCase("other", case.steps[:0], (), case.where), sender="e2e-b"
    )
    write_yaml_results(SuiteResult([passed, failed], 1.0, "http://x"), tmp_path / "out")
    yaml = YAML(typ="safe")
    read = {
        name: yaml.load((tmp_path / "out" / name).read_text())["test_results"]
        for name in ("e2e_results.yml", "passed.yml", "failed.yml")
    }
    assert [e["name"] for e in read["passed.yml"]] == ["other"]
    assert [e["name"] for e in read["failed.yml"]] == ["case"]
    assert len(read["e2e_results.yml"]) == 2
    (failure,) = read["failed.yml"][0]["failures"]
    assert failure["step"] == "slot_was_set: name: screen_bruising, value: 'absent'"
    assert failure["turn"] == 1 and failure["line"].endswith("cases.yml:9")
    assert read["failed.yml"][0]["run"].endswith("cases.yml::case")
    assert read["failed.yml"][0]["conversation_id"] == "rest:e2e-a"
