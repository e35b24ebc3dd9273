"""Coverage numbers on a small known suite: two conversations against a small domain."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from actions import triage
from e2e.cases import TestCase
from e2e.cli import main
from e2e.coverage import load_exemptions, measure, write_coverage
from e2e.domain_check import DomainNames, load_domain
from e2e.runner import CaseResult, SuiteResult
from e2e.stubs import ActionCall
from e2e.transcript import Turn
from tests.e2e.utils.case_yaml import one_case, write_cases
from tests.e2e.utils.events import action, bot, slot, user
from tests.e2e.utils.settings import DOMAIN as DOMAIN_DIR
from tests.e2e.utils.settings import PROJECT

DOMAIN = """
    intents: [greet, report_cramp, deny]
    responses:
      utter_greet: [{text: hi}]
      utter_causes: [{text: causes}]
      utter_remedy_stretch: [{text: stretch}]
      utter_ask_screening_form_screen_bruising: [{text: "bruised?"}]
    slots:
      screen_bruising:
        type: text
        mappings: [{type: custom, action: action_record_red_flags}]
    forms:
      screening_form: {required_slots: [screen_bruising]}
    actions: [action_give_remedy_advice, validate_screening_form]
"""


def small_domain(directory: Path) -> DomainNames:
    """The names of :data:`DOMAIN`, written to ``directory`` and read as ``e2e`` does."""
    (directory / "domain.yml").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    return load_domain(directory / "domain.yml")


def result(name: str, *turns: list[dict[str, Any]]) -> CaseResult:
    case = TestCase(name=name, steps=(), fixtures=(), where=f"x.yml:{name}")
    return CaseResult(
        case=case,
        sender=name,
        turns=[Turn(user=None)]
        + [Turn(user=events[0]["text"], events=events) for events in turns],
    )


def known_run() -> SuiteResult:
    form_answer = result(
        "form",
        [
            user("my hamstring cramped", "report_cramp"),
            action("screening_form"),
            bot("utter_ask_screening_form_screen_bruising"),
        ],
        [user("yes", "affirm"), slot("screen_bruising", triage.PRESENT)],
    )
    volunteered_after_advice = result(
        "advice",
        [user("hello", "greet"), action("utter_greet"), bot("utter_greet")],
        [
            user("what helps?", "ask_relief"),
            action("action_give_remedy_advice"),
            bot("utter_remedy_stretch"),
        ],
        [
            user("and now it's bruised", "report_symptom", ("bruising", "present")),
            slot("screen_bruising", triage.PRESENT),
        ],
        [user("no swelling though", "inform", ("swelling", "absent"))],
    )
    return SuiteResult([form_answer, volunteered_after_advice], 1.0, "http://x")


def test_coverage_counts_a_small_known_suite(tmp_path: Path) -> None:
    coverage = measure(known_run(), small_domain(tmp_path))
    tables = coverage.tables()
    assert tables["responses"] == (3, 4, ["utter_causes"])
    assert tables["intents"] == (2, 3, ["deny"])
    # The form's validation counts when the form ran; the mapping action is not a
    # domain action here, so it does not count.
    assert tables["actions"][:2] == (3, 3)
    flags = len(triage.RED_FLAGS)
    assert tables["red flags x contexts"][:2] == (4, flags * 5)
    assert coverage.red_flags == {
        ("bruising", "form answer"),
        ("bruising", "volunteered"),
        ("bruising", "after advice"),
        ("swelling", "negated"),
    }
    assert coverage.below(80) == ["responses", "intents", "red flags x contexts"]
    assert coverage.below(5) == []

    write_coverage(coverage, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "coverage.json").read_text())
    assert data["responses"] == {
        "covered": 3,
        "total": 4,
        "not_covered": ["utter_causes"],
    }
    page = (tmp_path / "out" / "coverage.md").read_text()
    assert "| responses | 3 | 4 | 75.0 |" in page
    assert "| bruising | yes | yes | - | - | yes |" in page
    assert "- swelling / form answer" in page
    assert "bruising" in coverage.summary()


def test_unsure_twice_needs_two_unsure_answers(tmp_path: Path) -> None:
    once = result(
        "once", [user("not sure", "express_unsure"), slot("screen_bruising", "unsure")]
    )
    twice = result(
        "twice",
        [user("not sure", "express_unsure"), slot("screen_bruising", "unsure")],
        [user("still not sure", "express_unsure"), slot("screen_bruising", "unsure")],
    )
    domain = small_domain(tmp_path)
    assert ("bruising", "unsure twice") not in measure(
        SuiteResult([once], 1.0, "x"), domain
    ).red_flags
    assert ("bruising", "unsure twice") in measure(
        SuiteResult([twice], 1.0, "x"), domain
    ).red_flags


def test_exempt_names_leave_the_tables_and_typos_are_found(tmp_path: Path) -> None:
    exempt_file = tmp_path / "exempt.yml"
    exempt_file.write_text(
        "utter_causes: >-\n  said only\n  elsewhere\n"
        "utter_greet: covered after all\n"
        "swelling / unsure twice: no such question here\n"
        "utter_casues: a typo\n",
        encoding="utf-8",
    )
    exempt = load_exemptions(exempt_file)
    assert exempt["utter_causes"] == "said only elsewhere"

    coverage = measure(known_run(), small_domain(tmp_path), exempt=exempt)

    tables = coverage.tables()
    assert tables["responses"] == (2, 2, [])
    assert tables["red flags x contexts"][1] == len(triage.RED_FLAGS) * 5 - 1
    assert coverage.unknown_exemptions() == ["utter_casues"]
    assert coverage.exempt_but_covered() == ["utter_greet"]
    assert "exempt but covered in this run" in coverage.summary()
    assert "- utter_causes: said only elsewhere" in coverage.markdown()
    assert coverage.to_dict()["exempt"]["utter_greet"] == "covered after all"


def test_an_exemption_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "exempt.yml"
    path.write_text("- utter_causes\n", encoding="utf-8")
    with pytest.raises(ValueError, match="name: why it cannot be covered"):
        load_exemptions(path)


def test_the_project_exemptions_name_domain_names_and_typos_stop_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = load_exemptions(PROJECT / "e2e" / "coverage_exempt.yml")
    nothing = SuiteResult([], 0.0, "x")
    assert (
        measure(nothing, load_domain(DOMAIN_DIR), exempt=project).unknown_exemptions()
        == []
    )

    typo = tmp_path / "exempt.yml"
    typo.write_text("utter_conversation_not_delted: a typo\n", encoding="utf-8")
    cases = write_cases(tmp_path, one_case('- user: "hi"'))
    code = main(
        [
            "run",
            str(cases),
            "--domain",
            str(DOMAIN_DIR),
            "--coverage-threshold",
            "100",
            "--coverage-exempt",
            str(typo),
            "--url",
            "http://127.0.0.1:9",  # never reached: it stops before
        ]
    )
    assert code == 2
    assert "not in any coverage table: utter_conversation_not_delted" in (
        capsys.readouterr().err
    )


def test_actions_the_stub_server_served_count_for_a_turn_the_store_lost(
    tmp_path: Path,
) -> None:
    lost = result("lost", [user("what helps?", "ask_relief")])
    lost.turns[1].events = []
    lost.action_calls = [
        ActionCall("action_give_remedy_advice", "deny", ("utter_causes",))
    ]

    coverage = measure(SuiteResult([lost], 1.0, "x"), small_domain(tmp_path))

    assert "action_give_remedy_advice" in coverage.actions
    assert {"utter_causes", "deny"} <= coverage.responses | coverage.intents
