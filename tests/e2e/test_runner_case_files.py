"""Reading case files: fixtures, metadata, ``--fixture``, ``file::case`` and file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.case_files import load_suite
from e2e.cases import CaseFileError
from e2e.cli import _parse_fixture
from tests.e2e.utils.case_yaml import load_cases, load_one_case, write_cases
from tests.e2e.utils.sample_cases import METADATA, STUBS


def test_fixtures_long_messages_and_file_errors(tmp_path: Path) -> None:
    case = load_one_case(
        tmp_path,
        """
        - user: "ab"
          repeat: 5000
        """,
        fixtures={
            "clinic": {"clinic_name": "Riverside", "clinic_phone": "+1 555 0100"}
        },
    )
    assert case.fixtures[0].slots == {
        "clinic_name": "Riverside",
        "clinic_phone": "+1 555 0100",
    }
    assert len(case.steps[0].user_text) == 10_000

    for body, message in [
        (
            "test_cases:\n  - test_case: x\n    steps:\n      - user: hi\n      - uter: utter_greet\n",
            r"bad.yml:5: a step needs exactly one of",
        ),
        (
            "test_cases:\n  - test_case: x\n    steps:\n      - user: hi\n      - triage_level: urgentish\n",
            "unknown triage level",
        ),
        (
            "test_cases:\n  - test_case: x\n    fixtures: [nope]\n    steps:\n      - user: hi\n",
            "unknown fixture",
        ),
    ]:
        with pytest.raises(CaseFileError, match=message):
            load_cases(tmp_path, body, name="bad.yml")


def test_fixture_option_overrides_slots_of_a_fixture(tmp_path: Path) -> None:
    path = write_cases(
        tmp_path,
        "fixtures:\n  - clinic:\n      - clinic_name: A\n      - clinic_phone: '1'\n"
        "test_cases:\n  - test_case: x\n    fixtures: [clinic]\n    steps:\n      - user: hi\n",
    )
    name, slots = _parse_fixture('clinic={clinic_phone: "+1 555 0100"}')
    suite = load_suite([path], fixture_overrides={name: slots})
    assert suite.cases[0].fixtures[0].slots == {
        "clinic_name": "A",
        "clinic_phone": "+1 555 0100",
    }


def test_named_metadata_of_the_case_and_the_step_are_merged(tmp_path: Path) -> None:
    case = load_cases(tmp_path, METADATA).cases[0]
    first, second = (s for s in case.steps if s.is_user)
    assert case.message_metadata(first) == {
        "language": "English",
        "location": "Leeds",
        "os": "linux",
    }
    assert case.message_metadata(second) == {
        "language": "English",
        "location": "Europe",
    }
    with pytest.raises(CaseFileError, match="cases.yml:3: unknown metadata 'nope'"):
        load_cases(
            tmp_path,
            """
            test_cases:
              - test_case: case
                metadata: nope
                steps:
                  - user: "hi"
            """,
        )


def test_a_path_can_name_one_case(tmp_path: Path) -> None:
    path = write_cases(tmp_path, STUBS)
    suite = load_suite([f"{path}::second"])
    assert [c.name for c in suite.cases] == ["second"]
    with pytest.raises(CaseFileError, match="no test case named third"):
        load_suite([f"{path}::third"])
