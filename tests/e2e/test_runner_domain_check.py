"""The domain check: every response, slot, intent and action a case names is in the domain."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from e2e.case_files import load_suite
from e2e.cli import main
from e2e.domain_check import check_suite, load_domain
from tests.e2e.utils.case_yaml import load_cases, one_case, write_cases
from tests.e2e.utils.sample_cases import STUBS
from tests.e2e.utils.settings import CASES, DOMAIN, FAKE_RASA_PORT


def test_the_project_suite_uses_only_names_from_the_domain() -> None:
    suite = load_suite([CASES])
    assert check_suite(suite, load_domain(DOMAIN)) == []


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            "- utter_not: utter_remdy_*",
            r"cases.yml:6: the glob 'utter_remdy_\*' matches no response",
        ),
        (
            "- utter: utter_causez",
            r"cases.yml:6: unknown response 'utter_causez' \(did you mean utter_causes",
        ),
        (
            "- slot_was_set:\n          - triage_levl: urgent",
            r"cases.yml:6: unknown slot 'triage_levl'",
        ),
        (
            "- user: /affirmm",
            r"cases.yml:6: unknown intent 'affirmm' \(did you mean affirm",
        ),
        (
            "- user: hi\n  assertions:\n  - action_executed: action_recrd_red_flags",
            r"cases.yml:8: unknown action 'action_recrd_red_flags'",
        ),
        (
            "- user: hi\n  assertions:\n  - bot_did_not_utter: {utter_name: utter_remedy}",
            r"cases.yml:8: unknown response 'utter_remedy'",
        ),
    ],
)
def test_unknown_names_are_errors_with_file_and_line(
    tmp_path: Path, step: str, message: str
) -> None:
    body = one_case('- user: "what causes hamstring cramps?"\n' + step)
    errors = check_suite(load_cases(tmp_path, body), load_domain(DOMAIN))
    assert len(errors) == 1, errors
    assert re.search(message, errors[0]), errors


def test_fixture_slots_and_stubbed_actions_are_checked(tmp_path: Path) -> None:
    body = STUBS.replace("action_handle_fallback:", "action_handle_fallbak:", 1)
    body = "fixtures:\n  - clinic:\n      - clinic_nam: X\n" + textwrap.dedent(body)
    body = body.replace(
        "  - test_case: first\n", "  - test_case: first\n    fixtures: [clinic]\n"
    )
    errors = check_suite(load_cases(tmp_path, body), load_domain(DOMAIN))
    assert any("unknown custom action 'action_handle_fallbak'" in e for e in errors), (
        errors
    )
    assert any("unknown slot in fixture 'clinic': 'clinic_nam'" in e for e in errors), (
        errors
    )


def test_the_command_line_stops_on_domain_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_cases(
        tmp_path,
        one_case(
            """
            - user: "hi"
            - utter_not: utter_remdy_*
            """
        ),
    )
    url = f"http://127.0.0.1:{FAKE_RASA_PORT}"  # never reached: it stops before
    code = main(["run", str(path), "--domain", str(DOMAIN), "--url", url])
    err = capsys.readouterr().err
    assert code == 2
    assert "matches no response" in err and "1 name(s) not in the domain" in err
